//! Evaluates each argument as a FEEL expression and prints the value and warnings.
fn main() {
    for source in std::env::args().skip(1) {
        match baton_feel::Expression::parse(&source) {
            Ok(expression) => {
                let evaluation = expression.evaluate(&baton_feel::EmptyScope);
                println!("{source}  =>  {}  {:?}", evaluation.value, evaluation.warnings);
            }
            Err(error) => println!("{source}  =>  parse error: {error}"),
        }
    }
}
