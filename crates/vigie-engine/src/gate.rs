//! Admission of CPU-bound read work: at most two searches, `$match`es or registration
//! pre-scorings per core run at a time; the others wait their turn in arrival order.
//!
//! These calls run on the server's blocking threads, one per request in flight. Without a gate,
//! many concurrent searches on two cores are time-sliced by the OS: each takes several times its
//! CPU time, a long one holds short ones back the whole time, and the switches themselves cost
//! CPU. With the gate a request waits (first come, first served) and then runs at nearly full
//! speed. The gate holds no lock of the store and is never held while waiting for the writer
//! lock or for an fsync, so writes and audit commits never wait for it.

use parking_lot::{Condvar, Mutex};

/// Slots per core: a search also waits (page-cache copies, page faults of the index files), so
/// one per core left cores idle — on the 2-core benchmark machine, PDQm went from about 1,000
/// to about 1,600 requests/s with two per core, at the same p99 — while eight connections
/// without a gate doubled the p99.
pub(crate) const SLOTS_PER_CORE: usize = 2;

/// A counting semaphore that admits waiters in ticket order.
#[derive(Debug)]
pub(crate) struct CpuGate {
    slots: usize,
    state: Mutex<GateState>,
    turn: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    busy: usize,
    next_ticket: u64,
    admitted: u64,
}

/// A slot of the gate, given back on drop.
pub(crate) struct Slot<'a> {
    gate: &'a CpuGate,
}

impl CpuGate {
    /// A gate with [`SLOTS_PER_CORE`] slots per available core.
    pub(crate) fn per_core() -> CpuGate {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        CpuGate::with_slots(SLOTS_PER_CORE * cores)
    }

    pub(crate) fn with_slots(slots: usize) -> CpuGate {
        CpuGate {
            slots: slots.max(1),
            state: Mutex::new(GateState::default()),
            turn: Condvar::new(),
        }
    }

    /// Waits for a slot, after every caller that arrived before.
    pub(crate) fn enter(&self) -> Slot<'_> {
        let mut state = self.state.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        while state.admitted != ticket || state.busy >= self.slots {
            self.turn.wait(&mut state);
        }
        state.admitted += 1;
        state.busy += 1;
        // The next ticket may fit in another free slot.
        self.turn.notify_all();
        Slot { gate: self }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.state.lock();
        state.busy = state.busy.saturating_sub(1);
        self.gate.turn.notify_all();
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_admits_more_than_its_slots_and_admits_everyone() {
        let gate = Arc::new(CpuGate::with_slots(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (gate, inside, most, done) =
                    (gate.clone(), inside.clone(), most.clone(), done.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _slot = gate.enter();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(done.load(Ordering::SeqCst), 16);
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert!(most.load(Ordering::SeqCst) >= 1);
    }

    #[test]
    fn admits_in_arrival_order() {
        let gate = Arc::new(CpuGate::with_slots(1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.enter();
        let mut threads = Vec::new();
        for i in 0..4 {
            let (worker_gate, order) = (gate.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _slot = worker_gate.enter();
                order.lock().push(i);
            }));
            // Wait until thread i holds its ticket before starting the next one.
            while gate.state.lock().next_ticket < i as u64 + 2 {
                std::thread::yield_now();
            }
        }
        drop(first);
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(*order.lock(), vec![0, 1, 2, 3]);
    }
}
