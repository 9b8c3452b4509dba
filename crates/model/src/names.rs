//! "Did you mean": names close to one that was not found, for the messages of every
//! front end and the runtime (an unknown process, variable or FEEL function).

/// Names close to `wanted` (edit distance ≤ 3, or sharing a prefix), for "did you mean".
pub fn similar_names<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = candidates
        .filter(|c| {
            edit_distance(wanted, c) <= 3 || c.starts_with(wanted) || wanted.starts_with(*c)
        })
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Levenshtein distance in characters, for front ends that rank their own suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
