//! DNS lookups through hickory-resolver, honouring `MUSTER_DNS_NAMESERVERS`
//! (tests point it at a local dnsmasq). Answers are turned into plain facts the
//! verification service can describe in words.

use std::{net::IpAddr, time::Duration};

use hickory_resolver::{
    config::{NameServerConfig, NameServerConfigGroup, ResolverConfig, ResolverOpts},
    name_server::TokioConnectionProvider,
    proto::xfer::Protocol,
    ResolveError, TokioResolver,
};

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    timeout: Duration,
}

/// What a lookup found, in terms a person can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Found(Vec<T>),
    /// The name exists but has no records of that type, or does not exist.
    Nothing {
        nxdomain: bool,
    },
    TimedOut,
    Failed(String),
}

impl Dns {
    pub fn new(nameservers: &[std::net::SocketAddr], timeout: Duration) -> anyhow::Result<Self> {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 1;
        // Verification must see a record as soon as the admin adds it.
        opts.cache_size = 0;
        opts.positive_max_ttl = Some(Duration::ZERO);
        opts.negative_max_ttl = Some(Duration::ZERO);
        let resolver = if nameservers.is_empty() {
            let mut builder = TokioResolver::builder_tokio()?;
            *builder.options_mut() = opts;
            builder.build()
        } else {
            let mut group = NameServerConfigGroup::new();
            for addr in nameservers {
                group.push(NameServerConfig::new(*addr, Protocol::Udp));
                group.push(NameServerConfig::new(*addr, Protocol::Tcp));
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], group),
                TokioConnectionProvider::default(),
            )
            .with_options(opts)
            .build()
        };
        Ok(Self { resolver, timeout })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn txt(&self, name: &str) -> Answer<String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match tokio::time::timeout(self.timeout + Duration::from_millis(500), self.resolver.txt_lookup(fqdn)).await {
            Err(_) => Answer::TimedOut,
            Ok(Ok(lookup)) => Answer::Found(
                lookup
                    .iter()
                    .map(|txt| txt.txt_data().iter().map(|part| String::from_utf8_lossy(part)).collect::<String>())
                    .collect(),
            ),
            Ok(Err(e)) => classify(e),
        }
    }

    pub async fn ips(&self, host: &str) -> Answer<IpAddr> {
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        match tokio::time::timeout(self.timeout + Duration::from_millis(500), self.resolver.lookup_ip(fqdn)).await {
            Err(_) => Answer::TimedOut,
            Ok(Ok(lookup)) => Answer::Found(lookup.iter().collect()),
            Ok(Err(e)) => classify(e),
        }
    }
}

fn classify<T>(e: ResolveError) -> Answer<T> {
    if e.is_nx_domain() {
        return Answer::Nothing { nxdomain: true };
    }
    if e.is_no_records_found() {
        return Answer::Nothing { nxdomain: false };
    }
    let text = e.to_string();
    if text.contains("timed out") || text.contains("timeout") {
        Answer::TimedOut
    } else {
        Answer::Failed(text)
    }
}
