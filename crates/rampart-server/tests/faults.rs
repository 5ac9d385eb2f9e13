//! Faults: the database goes away and comes back (PostgreSQL, through a loopback proxy the test
//! cuts): `/healthz` says unhealthy, then the server recovers without a restart.
//!
//! This needs PostgreSQL (`RAMPART_TEST_DATABASE_URL`, which CI always sets): an SQLite file
//! cannot go away under an open connection.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// A TCP proxy to `target` on `listen` that can be cut and restored.
struct Proxy {
    listen: SocketAddr,
    target: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(listen: SocketAddr, target: String) -> Proxy {
        let p = Proxy {
            listen,
            target,
            tasks: Default::default(),
        };
        p.up().await;
        p
    }

    async fn up(&self) {
        let listener = TcpListener::bind(self.listen).await.unwrap();
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the listener and every proxied connection.
    fn down(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

async fn health(app: &axum::Router) -> StatusCode {
    let req = Request::get("/healthz").body(Body::empty()).unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_reports_a_lost_database_and_recovers_without_a_restart() {
    let Some(db) = common::postgres().await else {
        eprintln!("RAMPART_TEST_DATABASE_URL is not set: this fault needs PostgreSQL (CI sets it)");
        return;
    };
    // postgres://user@HOST:PORT/db?… → the same through the proxy.
    let url = db.url.clone();
    let at = url.find('@').unwrap() + 1;
    let end = at + url[at..].find('/').unwrap();
    let target = url[at..end].to_string();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = Proxy::start(free, target).await;
    let proxied = format!("{}{free}{}", &url[..at], &url[end..]);
    let store = Store::open(&proxied).await.unwrap();
    let app = api::router(AppState::new(store, Limits::default()));
    assert_eq!(health(&app).await, StatusCode::OK);

    proxy.down();
    let cut = Instant::now();
    assert_eq!(health(&app).await, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        cut.elapsed() < Duration::from_secs(5),
        "health answers fast while the database is away"
    );

    proxy.up().await;
    let back = Instant::now();
    while health(&app).await != StatusCode::OK {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "the server did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And it serves requests again.
    let (tenant, secret) = {
        let t = rampart_server::auth::create_tenant(&db.store, "t")
            .await
            .unwrap();
        (
            t,
            common::token(&db.store, t, "a", &[rampart_server::auth::Scope::Admin])
                .await
                .1,
        )
    };
    let req = Request::get("/api/v1/projects")
        .header("authorization", format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::OK,
        "tenant {tenant}"
    );
    proxy.down();
    db.done().await;
}
