//! `offset`/`limit` paging of a list already filtered in memory.

/// `(count of all, the page)`: `count` is the whole list's length, the page skips `offset`
/// and takes at most `limit` (negative values take nothing).
pub fn page<T>(all: Vec<T>, offset: i64, limit: i64) -> (i64, Vec<T>) {
    let count = all.len() as i64;
    let page = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    (count, page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages() {
        assert_eq!(super::page(vec![1, 2, 3, 4], 1, 2), (4, vec![2, 3]));
        assert_eq!(super::page(vec![1, 2], 5, 10), (2, vec![]));
        assert_eq!(super::page(vec![1, 2], 0, i64::MAX), (2, vec![1, 2]));
        assert_eq!(super::page(vec![1, 2], -1, 5), (2, vec![]));
    }
}
