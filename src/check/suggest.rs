//! "Did you mean …?" for misspelled names.

/// The candidate closest to `name`, if one is close enough to be a likely typo. Among equally
/// close candidates, one sharing the first path segment (`customer.` …) wins.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let prefix = first_segment(name);
    let mut best: Option<(usize, bool, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let mut distance = osa_distance(name, candidate);
        // `tier` for `customer.tier`: the last segment alone was written
        if !name.contains('.') && candidate.rsplit('.').next() == Some(name) {
            distance = distance.min(1);
        }
        if distance > limit {
            continue;
        }
        let other_prefix = first_segment(candidate) != prefix;
        let key = (distance, other_prefix, candidate);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    best.map(|(_, _, c)| c)
}

fn first_segment(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // three rolling rows: i-2, i-1, i
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let deletion = previous.get(j + 1).map_or(usize::MAX, |d| d + 1);
            let insertion = current.get(j).map_or(usize::MAX, |d| d + 1);
            let substitution = previous.get(j).map_or(usize::MAX, |d| d + cost);
            let mut value = deletion.min(insertion).min(substitution);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca);
            if swapped {
                if let Some(d) = before.get(j - 1) {
                    value = value.min(d + 1);
                }
            }
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = value;
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous.get(b.len()).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(osa_distance("tier", "tier"), 0);
        assert_eq!(osa_distance("teir", "tier"), 1);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        let names = ["customer.tier", "customer.id", "intent", "ai.confidence"];
        assert_eq!(closest("customer.teir", names), Some("customer.tier"));
        assert_eq!(closest("intnet", names), Some("intent"));
        assert_eq!(closest("tier", names), Some("customer.tier"));
        assert_eq!(closest("weather", names), None);
    }
}
