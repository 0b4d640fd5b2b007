//! The host memory one instance may hold outside its linear memory: key
//! material, digest and (de)compression contexts, output waiting for the
//! guest to pull it. The linear-memory limiter cannot see any of it, so every
//! host object an instance creates is charged here first and released when
//! the object is dropped; over the budget, the call fails with an error the
//! guest turns into a `QuotaExceededError`, and nothing is allocated.

/// One instance's account of host bytes.
#[derive(Debug)]
pub struct HostBudget {
    max: usize,
    used: usize,
    /// Most bytes held at once, for the instance's debug line.
    pub peak: usize,
}

/// Charging would take the instance over its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub wanted: usize,
    pub used: usize,
    pub max: usize,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the instance's host memory budget is exhausted ({} KiB more asked, {} of {} KiB in use)",
            self.wanted.div_ceil(1024),
            self.used.div_ceil(1024),
            self.max >> 10
        )
    }
}

impl std::error::Error for OverBudget {}

impl HostBudget {
    pub fn new(max: usize) -> HostBudget {
        HostBudget { max, used: 0, peak: 0 }
    }

    /// Takes `bytes` from the budget, or fails without taking anything.
    pub fn charge(&mut self, bytes: usize) -> Result<(), OverBudget> {
        match self.used.checked_add(bytes) {
            Some(total) if total <= self.max => {
                self.used = total;
                self.peak = self.peak.max(total);
                Ok(())
            }
            _ => Err(OverBudget { wanted: bytes, used: self.used, max: self.max }),
        }
    }

    /// Gives back what a dropped object was charged.
    pub fn release(&mut self, bytes: usize) {
        debug_assert!(bytes <= self.used, "releasing more than was charged");
        self.used = self.used.saturating_sub(bytes);
    }

    pub fn used(&self) -> usize {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_up_to_the_maximum_and_no_further() {
        let mut budget = HostBudget::new(100);
        budget.charge(60).unwrap();
        assert_eq!(budget.charge(41), Err(OverBudget { wanted: 41, used: 60, max: 100 }));
        assert_eq!(budget.used(), 60, "a refused charge takes nothing");
        budget.charge(40).unwrap();
        budget.release(60);
        assert_eq!(budget.used(), 40);
        assert_eq!(budget.peak, 100);
        assert!(budget.charge(usize::MAX).is_err(), "no overflow");
    }
}
