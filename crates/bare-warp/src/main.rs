//! `bare-warp ADDRESS`: answers every request with deskplane's healthz answer (`OK`) and nothing
//! else (no routing table, no logging, no pipeline). `scripts/bench.sh` runs it beside
//! deskplane so that deskplane's figures are ratios to what warp and this machine can do.

use warp::Filter;

#[tokio::main]
async fn main() {
    let address: std::net::SocketAddr = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| ([127, 0, 0, 1], 18766).into());
    let healthz = warp::any().map(|| warp::reply::with_header("OK", "content-type", "text/html;charset=utf-8"));
    warp::serve(healthz).run(address).await;
}
