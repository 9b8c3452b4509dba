//! Project chores. `cargo run -p xtask -- tidy` checks house style; the same checks run
//! as a test (`cargo test -p xtask`) so CI enforces them.

mod tidy;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tidy") => match tidy::check(&tidy::workspace_root()) {
            Ok(()) => println!("tidy: ok"),
            Err(problems) => {
                for p in &problems {
                    eprintln!("{p}");
                }
                std::process::exit(1);
            }
        },
        _ => {
            eprintln!("usage: cargo run -p xtask -- tidy");
            std::process::exit(2);
        }
    }
}
