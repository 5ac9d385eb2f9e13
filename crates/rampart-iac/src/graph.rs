//! Cycles in dependency graphs (Terraform locals, CloudFormation conditions), found without
//! recursion so that a long chain cannot exhaust the stack.

/// The cycles of a directed graph given as adjacency lists (`edges[i]`: the nodes `i` refers
/// to): every strongly connected component of two or more nodes, or of one node that refers
/// to itself. Each is returned sorted, and the list is sorted by its first node.
pub fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    // Tarjan's algorithm with an explicit stack of (node, next edge to follow).
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if w >= n {
                    continue;
                }
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 || edges[v].contains(&v) {
                    scc.sort_unstable();
                    out.push(scc);
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_self_references_only() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0 (not in a cycle), 5 alone.
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![0], vec![]];
        assert_eq!(cycles(&edges), vec![vec![0, 1, 2], vec![3]]);
        assert!(cycles(&[vec![1], vec![2], vec![]]).is_empty());
    }

    #[test]
    fn long_chains_need_no_stack() {
        let n = 1_000_000;
        let mut edges: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        edges[n - 1] = vec![0];
        let c = cycles(&edges);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), n);
    }
}
