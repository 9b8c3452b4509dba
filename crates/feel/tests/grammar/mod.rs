//! Pieces of the FEEL expression grammar shared by `generated.rs` (laws every value of a
//! type obeys) and the differential test against dsntk (`difftest/feel-dsntk`, which
//! includes this file by its path): the seeded generator, string and date-time literals.

/// xorshift64*: small, fast and the same on every machine.
pub struct Gen(pub u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn int(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    pub fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len() as u64) as usize]
    }
}

/// A date and time literal, often on a day a zone changes its offset, at any hour of it.
pub fn date_time(g: &mut Gen) -> String {
    let day = match g.below(3) {
        0 => format!(
            "{:04}-{:02}-{:02}",
            g.int(1950, 2050),
            g.int(1, 12),
            g.int(1, 28)
        ),
        _ => g
            .pick(&[
                "2018-03-25",
                "2018-10-28",
                "2021-03-14",
                "2021-11-07",
                "1996-10-27",
            ])
            .to_string(),
    };
    let zone = g.pick(&[
        "Z",
        "+05:30",
        "@Europe/Paris",
        "@America/New_York",
        "@Australia/Sydney",
        "@Asia/Kathmandu",
        "@Europe/London",
    ]);
    format!(
        "@\"{day}T{:02}:{:02}:00{zone}\"",
        g.int(0, 23),
        g.pick(&["00", "30", "59"]).parse::<i64>().unwrap_or(0)
    )
}

/// String literals: empty, ASCII, beyond the Basic Multilingual Plane, escaped, spaced.
pub const TEXTS: &[&str] = &[
    r#""""#,
    r#""a""#,
    r#""abc""#,
    r#""Hello World""#,
    r#""ä€𝄞""#,
    r#""x\"y""#,
    r#""  padded ""#,
];
