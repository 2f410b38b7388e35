use super::*;
use crate::ports::key_pairs::GeneratedKeyPair;
use crate::testkit::MemoryCache;
use crate::testkit::{CountingRandom, HandClock, PlainTokens};
use async_trait::async_trait;

/// A generator that answers a fixed pair after `gate` lets it, counting its calls.
#[derive(Default)]
struct FixedPairs {
    gate: Option<Arc<tokio::sync::Semaphore>>,
    sizes: std::sync::Mutex<Vec<RsaKeySize>>,
}

#[async_trait]
impl KeyPairGenerator for FixedPairs {
    async fn generate_rsa(&self, size: RsaKeySize) -> Result<GeneratedKeyPair, TokenError> {
        self.sizes.lock().unwrap().push(size);
        if let Some(gate) = &self.gate {
            let _pass = gate.acquire().await.unwrap();
        }
        Ok(GeneratedKeyPair {
            private_pem: format!("private {size:?}"),
            public_pem: format!("public {size:?}"),
        })
    }
}

fn offers(generator: Arc<FixedPairs>, cache: Arc<MemoryCache>) -> KeyOffers {
    KeyOffers::new(
        KeyOfferPorts {
            generator,
            tokens: Arc::new(PlainTokens),
            cache,
            clock: HandClock::at(1_700_000_000),
            random: Arc::new(CountingRandom::default()),
        },
        Duration::from_secs(180),
    )
}

#[test]
fn lengths_map_to_the_smallest_supported_size_and_others_are_refused() {
    use RsaKeySize::*;
    for (length, size) in [
        (1024, Rsa2048),
        (2048, Rsa2048),
        (2049, Rsa3072),
        (3072, Rsa3072),
        (4096, Rsa4096),
    ] {
        assert_eq!(RsaKeySize::for_length(length).unwrap(), size, "{length}");
    }
    for length in [i64::MIN, -2048, 0, 512, 1023, 4097, 8192, i64::MAX] {
        assert!(
            matches!(RsaKeySize::for_length(length), Err(KeyOfferError::Length(l)) if l == length),
            "{length}"
        );
    }
}

#[tokio::test]
async fn an_offer_names_the_kept_private_key_and_expires_when_it_does() {
    let generator = Arc::new(FixedPairs::default());
    let cache = Arc::new(MemoryCache::default());
    let keys = offers(generator.clone(), cache.clone());
    let first: KeyOfferClaims = serde_json::from_str(&keys.offer(1024).await.unwrap()).unwrap();
    // pyos put the lifetime itself (180) in `exp`: an offer born expired in 1970.
    assert_eq!(first.exp, 1_700_000_000 + 180);
    assert_eq!(first.publickey, "public Rsa2048");
    assert_eq!(
        cache.get(&format!("priv.{}", first.name)).await.unwrap().as_deref(),
        Some("private Rsa2048")
    );
    let second: KeyOfferClaims = serde_json::from_str(&keys.offer(4096).await.unwrap()).unwrap();
    assert_ne!(first.name, second.name, "every offer has its own name");
    assert_eq!(
        cache.get(&format!("priv.{}", second.name)).await.unwrap().as_deref(),
        Some("private Rsa4096")
    );
    assert_eq!(
        cache.get(&format!("priv.{}", first.name)).await.unwrap().as_deref(),
        Some("private Rsa2048"),
        "a second offer leaves the first one's key alone"
    );
    assert_eq!(
        *generator.sizes.lock().unwrap(),
        [RsaKeySize::Rsa2048, RsaKeySize::Rsa4096]
    );
}

#[tokio::test]
async fn a_refused_length_generates_nothing() {
    let generator = Arc::new(FixedPairs::default());
    let keys = offers(generator.clone(), Arc::new(MemoryCache::default()));
    assert!(matches!(keys.offer(100_000).await, Err(KeyOfferError::Length(100_000))));
    assert!(generator.sizes.lock().unwrap().is_empty());
}

#[tokio::test]
async fn beyond_the_generations_running_at_once_an_offer_is_refused_busy() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let generator = Arc::new(FixedPairs {
        gate: Some(gate.clone()),
        ..FixedPairs::default()
    });
    let keys = Arc::new(offers(generator.clone(), Arc::new(MemoryCache::default())));
    let running: Vec<_> = (0..MAX_GENERATING)
        .map(|_| {
            let keys = keys.clone();
            tokio::spawn(async move { keys.offer(2048).await })
        })
        .collect();
    while generator.sizes.lock().unwrap().len() < MAX_GENERATING {
        tokio::task::yield_now().await;
    }
    assert!(matches!(keys.offer(2048).await, Err(KeyOfferError::Busy)));
    gate.add_permits(MAX_GENERATING);
    for offer in running {
        offer.await.unwrap().unwrap();
    }
    gate.add_permits(1);
    keys.offer(2048).await.expect("a slot is free again");
}
