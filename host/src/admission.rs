//! Who gets in: connections (a global cap and one per client address, so
//! one client cannot take every socket) and instance slots (a request waits a
//! short, bounded time for one, then gets 503 with `Retry-After`; it never
//! reaches the pooling allocator with no slot left, which would fail it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Open connections, counted globally and per client address.
pub struct Connections {
    max: usize,
    max_per_ip: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// Why a connection was turned away.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Total(usize),
    PerClient(usize),
}

/// Held by a connection while it is open; frees its place when dropped.
pub struct ConnectionPermit {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Connections {
    pub fn new(max: usize, max_per_ip: usize) -> Arc<Connections> {
        Arc::new(Connections { max, max_per_ip, open: Mutex::new((0, HashMap::new())) })
    }

    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<ConnectionPermit, Refused> {
        let ip = client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, per_ip) = &mut *open;
        if *total >= self.max {
            return Err(Refused::Total(self.max));
        }
        let count = per_ip.entry(ip).or_insert(0);
        if *count >= self.max_per_ip {
            return Err(Refused::PerClient(self.max_per_ip));
        }
        *count += 1;
        *total += 1;
        Ok(ConnectionPermit { connections: self.clone(), ip })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).0
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, per_ip) = &mut *open;
        *total -= 1;
        if let Some(count) = per_ip.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

/// What counts as one client: an IPv4 address, or an IPv6 /64 (one host
/// usually holds a whole /64, and could otherwise take a place per address).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// Instance slots: as many as the pool has.
pub struct Slots {
    semaphore: Arc<Semaphore>,
    size: std::sync::atomic::AtomicUsize,
    queue_timeout: Duration,
}

impl Slots {
    pub fn new(slots: usize, queue_timeout: Duration) -> Slots {
        Slots { semaphore: Arc::new(Semaphore::new(slots)), size: slots.into(), queue_timeout }
    }

    /// Makes it `slots` in all (a reload that changed the app's
    /// `max_concurrency`): slots held now keep counting, and a smaller size
    /// takes effect as they are given back.
    pub fn resize(&self, slots: usize) {
        use std::sync::atomic::Ordering;
        let old = self.size.swap(slots, Ordering::Relaxed);
        if slots > old {
            self.semaphore.add_permits(slots - old);
        } else {
            let mut excess = old - slots;
            excess -= self.semaphore.forget_permits(excess);
            // What is held now is forgotten when given back.
            if excess > 0 {
                let semaphore = self.semaphore.clone();
                tokio::spawn(async move {
                    if let Ok(permits) = semaphore.acquire_many_owned(excess as u32).await {
                        permits.forget();
                    }
                });
            }
        }
    }

    /// A slot if one is free now.
    pub fn try_acquire(&self) -> Option<OwnedSemaphorePermit> {
        self.semaphore.clone().try_acquire_owned().ok()
    }

    /// A slot, waiting at most the queue timeout for one to free up.
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        if let Some(permit) = self.try_acquire() {
            return Some(permit);
        }
        tokio::time::timeout(self.queue_timeout, self.semaphore.clone().acquire_owned()).await.ok()?.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_connections_in_total_and_per_client() {
        let connections = Connections::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = connections.admit(a).unwrap();
        let _a2 = connections.admit(a).unwrap();
        assert_eq!(connections.admit(a).err(), Some(Refused::PerClient(2)));
        let _b1 = connections.admit(b).unwrap();
        assert_eq!(connections.admit(b).err(), Some(Refused::Total(3)));
        drop(a1);
        assert_eq!(connections.open(), 2);
        assert!(connections.admit(b).is_ok(), "a closed connection frees its place");
    }

    #[test]
    fn one_ipv6_client_is_its_slash_64() {
        let connections = Connections::new(10, 2);
        let _one = connections.admit("2001:db8::1".parse().unwrap()).unwrap();
        let _two = connections.admit("2001:db8::2:3".parse().unwrap()).unwrap();
        assert_eq!(connections.admit("2001:db8::ffff".parse().unwrap()).err(), Some(Refused::PerClient(2)));
        assert!(connections.admit("2001:db8:0:1::1".parse().unwrap()).is_ok(), "another /64 is another client");
        let _v4 = connections.admit("10.0.0.1".parse().unwrap()).unwrap();
        let _mapped = connections.admit("::ffff:10.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(connections.admit("10.0.0.1".parse().unwrap()).err(), Some(Refused::PerClient(2)), "mapped = IPv4");
    }

    #[tokio::test(start_paused = true)]
    async fn resizing_counts_the_slots_held_now() {
        let slots = Slots::new(3, Duration::from_millis(10));
        let held: Vec<_> = vec![slots.acquire().await.unwrap(), slots.acquire().await.unwrap()];
        slots.resize(1);
        assert!(slots.acquire().await.is_none(), "two held, one allowed: none free");
        drop(held);
        tokio::task::yield_now().await;
        let one = slots.acquire().await;
        assert!(one.is_some());
        assert!(slots.acquire().await.is_none(), "the smaller size holds once the old slots are back");
        slots.resize(3);
        let (two, three) = (slots.acquire().await, slots.acquire().await);
        assert!(two.is_some() && three.is_some(), "and a larger one at once");
        assert!(slots.acquire().await.is_none(), "three in all");
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_pool_waits_the_queue_timeout_then_refuses() {
        let slots = Slots::new(1, Duration::from_millis(200));
        let held = slots.acquire().await.unwrap();
        let started = tokio::time::Instant::now();
        assert!(slots.acquire().await.is_none());
        assert_eq!(started.elapsed(), Duration::from_millis(200));
        let waiter = tokio::spawn(async move { slots.acquire().await.is_some() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        assert!(waiter.await.unwrap(), "a slot freed within the wait is taken");
    }
}
