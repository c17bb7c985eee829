//! The two shapes every store function shares, written once: where a
//! statement runs (`Exec`) and how its `$1…$n` values reach it (`bind_all`
//! with one tuple, in the order the placeholders are numbered).

use std::future::Future;

use sqlx::{
    any::{Any, AnyArguments},
    query::{Query, QueryAs, QueryScalar},
    Encode, Executor, Type,
};

/// Where a statement runs: the pool, a pooled connection or an open transaction.
pub trait Exec<'c>: Executor<'c, Database = Any> {}
impl<'c, T: Executor<'c, Database = Any>> Exec<'c> for T {}

/// A statement that takes its values as one tuple: `.bind_all((id, now))`
/// binds `$1 = id, $2 = now`.
pub trait BindAll<'q>: Sized {
    fn bind_one<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self;

    fn bind_all(self, values: impl Values<'q>) -> Self {
        values.bind_to(self)
    }
}

impl<'q> BindAll<'q> for Query<'q, Any, AnyArguments<'q>> {
    fn bind_one<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, O> BindAll<'q> for QueryAs<'q, Any, O, AnyArguments<'q>> {
    fn bind_one<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, O> BindAll<'q> for QueryScalar<'q, Any, O, AnyArguments<'q>> {
    fn bind_one<T: 'q + Encode<'q, Any> + Type<Any>>(self, value: T) -> Self {
        self.bind(value)
    }
}

/// A tuple of bindable values (up to twelve: the widest single row we write).
pub trait Values<'q> {
    fn bind_to<S: BindAll<'q>>(self, statement: S) -> S;
}

macro_rules! values_of_tuple {
    ($($v:ident),+) => {
        impl<'q, $($v: 'q + Encode<'q, Any> + Type<Any>),+> Values<'q> for ($($v,)+) {
            #[allow(non_snake_case)]
            fn bind_to<S: BindAll<'q>>(self, statement: S) -> S {
                let ($($v,)+) = self;
                statement$(.bind_one($v))+
            }
        }
    };
}

values_of_tuple!(V1, V2);
values_of_tuple!(V1, V2, V3);
values_of_tuple!(V1, V2, V3, V4);
values_of_tuple!(V1, V2, V3, V4, V5);
values_of_tuple!(V1, V2, V3, V4, V5, V6);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7, V8);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7, V8, V9);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7, V8, V9, V10);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11);
values_of_tuple!(V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12);

/// A write aimed at one row: true when it changed exactly that row, false
/// when the row no longer matched (another request got there first).
pub trait ChangesOne<'q> {
    fn changes_one<'e, 'c: 'e, E>(self, db: E) -> impl Future<Output = sqlx::Result<bool>> + Send + 'e
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>;
}

impl<'q> ChangesOne<'q> for Query<'q, Any, AnyArguments<'q>> {
    async fn changes_one<'e, 'c: 'e, E>(self, db: E) -> sqlx::Result<bool>
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>,
    {
        Ok(self.execute(db).await?.rows_affected() == 1)
    }
}
