//! One connection interface for the runner and introspection, synchronous or not.
//!
//! The runner, the migration lock, the progress records and the catalog reader are written
//! once, as `async` code over [`Connection`]. What differs is only how a statement is sent:
//!
//! - over the `postgres` crate's blocking client (the command line, `EmbeddedMigrations`'s
//!   synchronous methods), each call does its work before returning a future that is already
//!   complete, and [`block_on`] drives the whole run on the calling thread;
//! - over `tokio_postgres::Client` (feature `tokio`), each call is the driver's own future,
//!   awaited on the application's runtime: nothing blocks a runtime thread, and the
//!   application's own connections run its migrations.
//!
//! Every statement goes through `batch_execute`/`simple_query` (the simple protocol) or
//! `query_typed` (one unnamed statement in one round trip), so nothing is left prepared on a
//! pooled server connection, whichever client sends it.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Error, Row, SimpleQueryMessage};

/// A connection the runner and the catalog reader send statements through: the `postgres`
/// crate's [`postgres::Client`] and [`postgres::Transaction`], and, with the `tokio` feature,
/// `tokio_postgres::Client`. Not meant to be implemented outside this crate.
pub trait Connection: Send {
    /// Runs `sql` (one or more statements) with the simple protocol.
    fn batch_execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a;

    /// Runs `sql` with the simple protocol and returns its messages (rows as text).
    fn simple_query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, Error>> + Send + 'a;

    /// Runs `sql` as one unnamed statement with typed parameters, in one round trip.
    fn query_typed<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [(&'a (dyn ToSql + Sync), Type)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a;

    /// Waits `duration` between two tries (the thread sleeps for a blocking client; the task
    /// yields to the runtime for an async one).
    fn pause(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `sql` as [`Connection::batch_execute`] does, calling `slow` once if it has not
    /// finished after `after` (while it still waits): for a wait that would otherwise be
    /// silent, such as a pooler's queue for a server connection.
    fn batch_execute_watched<'a>(
        &'a mut self,
        sql: &'a str,
        after: Duration,
        slow: &'a mut (dyn FnMut() + Send),
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a;
}

/// A connection whose calls complete before they return: the `postgres` crate's. The
/// synchronous faces of the runner and introspection take these, and run the shared async
/// code with [`block_on`].
pub trait Blocking: Connection {}

macro_rules! blocking_connection {
    ($($ty:ty),*) => {$(
        impl Connection for $ty {
            fn batch_execute<'a>(
                &'a mut self,
                sql: &'a str,
            ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
                std::future::ready(postgres::GenericClient::batch_execute(self, sql))
            }

            fn simple_query<'a>(
                &'a mut self,
                sql: &'a str,
            ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, Error>> + Send + 'a {
                std::future::ready(<$ty>::simple_query(self, sql))
            }

            fn query_typed<'a>(
                &'a mut self,
                sql: &'a str,
                params: &'a [(&'a (dyn ToSql + Sync), Type)],
            ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                std::future::ready(postgres::GenericClient::query_typed(self, sql, params))
            }

            fn pause(&self, duration: Duration) -> impl Future<Output = ()> + Send {
                std::thread::sleep(duration);
                std::future::ready(())
            }

            fn batch_execute_watched<'a>(
                &'a mut self,
                sql: &'a str,
                after: Duration,
                slow: &'a mut (dyn FnMut() + Send),
            ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
                // The call blocks this thread: a watcher thread says when it is slow.
                let (done, finished) = std::sync::mpsc::channel::<()>();
                let slow = std::sync::Mutex::new(slow);
                let result = std::thread::scope(|scope| {
                    let slow = &slow;
                    scope.spawn(move || {
                        if finished.recv_timeout(after)
                            == Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                        {
                            if let Ok(mut slow) = slow.lock() {
                                (*slow)();
                            }
                        }
                    });
                    let result = postgres::GenericClient::batch_execute(self, sql);
                    let _ = done.send(());
                    result
                });
                std::future::ready(result)
            }
        }

        impl Blocking for $ty {}
    )*};
}

blocking_connection!(postgres::Client, postgres::Transaction<'_>);

/// The application's client, owned or shared (`tokio_postgres::Client`'s calls take `&self`).
#[cfg(feature = "tokio")]
macro_rules! tokio_connection {
    ($($ty:ty),*) => {$(
impl Connection for $ty {
    fn batch_execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
        tokio_postgres::Client::batch_execute(self, sql)
    }

    fn simple_query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, Error>> + Send + 'a {
        tokio_postgres::Client::simple_query(self, sql)
    }

    fn query_typed<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [(&'a (dyn ToSql + Sync), Type)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
        tokio_postgres::Client::query_typed(self, sql, params)
    }

    fn pause(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn batch_execute_watched<'a>(
        &'a mut self,
        sql: &'a str,
        after: Duration,
        slow: &'a mut (dyn FnMut() + Send),
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
        async move {
            let mut query = pin!(tokio_postgres::Client::batch_execute(self, sql));
            let mut timer = pin!(tokio::time::sleep(after));
            let mut told = false;
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = query.as_mut().poll(cx) {
                    return Poll::Ready(result);
                }
                if !told && timer.as_mut().poll(cx).is_ready() {
                    told = true;
                    slow();
                }
                Poll::Pending
            })
            .await
        }
    }
}
    )*};
}

#[cfg(feature = "tokio")]
tokio_connection!(tokio_postgres::Client, &tokio_postgres::Client);

/// Runs `future` to completion on this thread. Over a [`Blocking`] connection every future of
/// the shared code is complete at its first poll, so this never parks; it parks (rather than
/// spins) only if given something that really waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

/// One row of `sql`, or `None` (the `query_typed_opt` of both drivers).
pub(crate) async fn query_opt<C: Connection>(
    client: &mut C,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Option<Row>, Error> {
    Ok(client.query_typed(sql, params).await?.into_iter().next())
}
