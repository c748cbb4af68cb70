//! [`SumTree`]: a binary tree over `n` non-negative priorities that keeps their total and their
//! minimum, so prioritized replay (Schaul et al. 2016, "Prioritized Experience Replay") can draw an
//! index with probability `p_i / Σ p` and compute importance weights in `O(log n)`.
//!
//! Layout: an implicit tree in one array of `2n` nodes. Node 1 is the root, node `i` has children
//! `2i` and `2i + 1`, and the leaves are nodes `n..2n`. This works for any `n` (not only powers of
//! two) because every node below `n` has both children inside the array. Sums are `f64` so that a
//! million updates do not drift; minima are `f32`, the precision the priorities are given in.
//!
//! ```
//! use agents::sum_tree::SumTree;
//! let mut tree = SumTree::new(4);
//! tree.set(0, 1.0);
//! tree.set(3, 3.0);
//! assert_eq!(tree.total(), 4.0);
//! assert_eq!(tree.find(0.5), 0); // prefix sums: [0, 1) → leaf 0, [1, 4) → leaf 3
//! assert_eq!(tree.find(2.0), 3);
//! assert_eq!(tree.min_positive(), Some(1.0));
//! ```

/// Sum and minimum over `len()` priorities. A priority of 0 means "never sample".
#[derive(Debug, Clone)]
pub struct SumTree {
    n: usize,
    sums: Vec<f64>,
    /// Minimum over the positive leaves below each node; `f32::INFINITY` when all are 0.
    mins: Vec<f32>,
}

impl SumTree {
    /// A tree over `n` priorities, all 0. `n = 0` gives an empty tree whose total is 0.
    pub fn new(n: usize) -> Self {
        SumTree {
            n,
            sums: vec![0.0; 2 * n],
            mins: vec![f32::INFINITY; 2 * n],
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Sets leaf `index` to `priority` and updates its ancestors.
    ///
    /// A negative or non-finite priority is stored as 0, so one bad TD error cannot poison the
    /// totals. Panics if `index >= len()` (callers own the index space).
    pub fn set(&mut self, index: usize, priority: f32) {
        assert!(index < self.n, "sum tree index {index} out of range 0..{}", self.n);
        let p = if priority.is_finite() && priority > 0.0 {
            priority
        } else {
            0.0
        };
        let mut node = index + self.n;
        self.sums[node] = p as f64;
        self.mins[node] = if p > 0.0 { p } else { f32::INFINITY };
        while node > 1 {
            node /= 2;
            self.sums[node] = self.sums[2 * node] + self.sums[2 * node + 1];
            self.mins[node] = self.mins[2 * node].min(self.mins[2 * node + 1]);
        }
    }

    /// The priority stored at leaf `index`.
    pub fn get(&self, index: usize) -> f32 {
        self.sums[index + self.n] as f32
    }

    /// Sum of all priorities.
    pub fn total(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sums[1]
        }
    }

    /// The smallest positive priority, or `None` when every priority is 0.
    pub fn min_positive(&self) -> Option<f32> {
        let m = if self.n == 0 { f32::INFINITY } else { self.mins[1] };
        m.is_finite().then_some(m)
    }

    /// The leaf whose prefix-sum interval holds `mass`, so a `mass` uniform in `[0, total)`
    /// returns leaf `i` with probability `p_i / total`.
    ///
    /// The intervals follow the tree's leaf order, which is index order when `len()` is a power
    /// of two (any order serves for sampling).
    /// `mass` is clamped into `[0, total)`; the descent never ends on a zero-priority leaf unless
    /// the whole tree is 0 (then it returns some leaf, and callers must check `total() > 0`).
    /// Panics on an empty tree.
    pub fn find(&self, mass: f64) -> usize {
        assert!(self.n > 0, "find on an empty sum tree");
        let mut mass = mass.max(0.0);
        let mut node = 1;
        while node < self.n {
            let left = self.sums[2 * node];
            let right = self.sums[2 * node + 1];
            // Rounding can leave `mass` a hair above the left sum plus the right sum; steering
            // by "is that side empty" keeps the descent on positive leaves.
            if (mass < left || right <= 0.0) && left > 0.0 {
                node *= 2;
            } else {
                mass -= left;
                node = 2 * node + 1;
            }
        }
        node - self.n
    }

    /// Heap bytes held by the tree.
    pub fn bytes_allocated(&self) -> usize {
        self.sums.capacity() * std::mem::size_of::<f64>() + self.mins.capacity() * std::mem::size_of::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn total_min_and_get_follow_updates() {
        let mut tree = SumTree::new(5);
        assert_eq!(tree.total(), 0.0);
        assert_eq!(tree.min_positive(), None);
        for (i, p) in [2.0, 0.5, 0.0, 4.0, 1.5].into_iter().enumerate() {
            tree.set(i, p);
        }
        assert_eq!(tree.total(), 8.0);
        assert_eq!(tree.min_positive(), Some(0.5));
        tree.set(1, 0.0);
        assert_eq!(tree.total(), 7.5);
        assert_eq!(tree.min_positive(), Some(1.5));
        assert_eq!(tree.get(3), 4.0);
        tree.set(4, f32::NAN);
        tree.set(0, -1.0);
        assert_eq!(tree.total(), 4.0);
        assert_eq!(tree.min_positive(), Some(4.0));
    }

    #[test]
    fn find_maps_prefix_sums_to_leaves_for_odd_sizes() {
        // Leaves 0..7 (not a power of two) with priorities 1..=7 and leaf 2 empty.
        let mut tree = SumTree::new(7);
        let prios = [1.0f32, 2.0, 0.0, 4.0, 5.0, 6.0, 7.0];
        for (i, &p) in prios.iter().enumerate() {
            tree.set(i, p);
        }
        // Every leaf owns some interval; walk masses at fine steps and check the owner by
        // direct enumeration. The tree's leaf order need not match index order, so count how
        // much mass each leaf receives instead of assuming contiguous intervals.
        let total = tree.total();
        let steps = 25_000;
        let mut mass_per_leaf = [0.0f64; 7];
        for s in 0..steps {
            let m = (s as f64 + 0.5) / steps as f64 * total;
            mass_per_leaf[tree.find(m)] += total / steps as f64;
        }
        for (i, &p) in prios.iter().enumerate() {
            assert!(
                (mass_per_leaf[i] - p as f64).abs() < 0.01,
                "leaf {i}: {} vs {p}",
                mass_per_leaf[i]
            );
        }
        // Masses outside [0, total) are clamped onto positive leaves.
        assert!(prios[tree.find(-3.0)] > 0.0);
        assert!(prios[tree.find(total * 2.0)] > 0.0);
        assert!(prios[tree.find(total)] > 0.0);
    }

    #[test]
    fn single_leaf_tree() {
        let mut tree = SumTree::new(1);
        tree.set(0, 3.0);
        assert_eq!(tree.total(), 3.0);
        assert_eq!(tree.find(1.0), 0);
        assert_eq!(tree.min_positive(), Some(3.0));
    }

    #[test]
    fn sampling_frequencies_follow_priorities() {
        // 10 leaves with priorities 0..10; 200k uniform draws. Each frequency must lie within
        // 5 standard deviations of p_i / Σp (binomial), which a wrong tree misses by far.
        let n = 10;
        let mut tree = SumTree::new(n);
        for i in 0..n {
            tree.set(i, i as f32);
        }
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let draws = 200_000;
        let mut counts = vec![0usize; n];
        for _ in 0..draws {
            let m = rng.random::<f64>() * tree.total();
            counts[tree.find(m)] += 1;
        }
        assert_eq!(counts[0], 0, "a zero priority was sampled");
        let total: f64 = (0..n).map(|i| i as f64).sum();
        for (i, &c) in counts.iter().enumerate() {
            let p = i as f64 / total;
            let sd = (draws as f64 * p * (1.0 - p)).sqrt();
            let expected = draws as f64 * p;
            assert!(
                (c as f64 - expected).abs() <= 5.0 * sd + 1.0,
                "leaf {i}: {c} draws, expected {expected:.0}"
            );
        }
    }

    #[test]
    fn many_random_updates_match_a_direct_sum() {
        let n = 1000;
        let mut tree = SumTree::new(n);
        let mut direct = vec![0.0f32; n];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        for _ in 0..20_000 {
            let i = rng.random_range(0..n);
            let p = if rng.random_bool(0.1) {
                0.0
            } else {
                rng.random::<f32>() * 10.0
            };
            tree.set(i, p);
            direct[i] = p;
        }
        let sum: f64 = direct.iter().map(|&p| p as f64).sum();
        assert!((tree.total() - sum).abs() < 1e-6 * sum);
        let min = direct
            .iter()
            .copied()
            .filter(|&p| p > 0.0)
            .fold(f32::INFINITY, f32::min);
        assert_eq!(tree.min_positive(), Some(min));
    }
}
