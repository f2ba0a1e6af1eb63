//! Effects: how a change made by one domain module reaches the modules that keep state
//! derived from it, without the module that changes the record naming them.
//!
//! A module that changes something others may follow declares an [`Event`] (a marker type
//! with the borrowed data it reports) and reports it inside the transaction that makes the
//! change ([`Tx::report`]); the facade registers, once, which handlers each event runs
//! ([`Effects::on`]), and they run in the same transaction, in registration order, before the
//! change is saved — so a derived record (a statistics roll-up, say) is never out of step with
//! what it derives from, and the module that owns the change depends on nothing above it.

use super::{StoreError, Tx};
use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Something a domain module reports about a change it makes: a marker type naming the
/// event, and the data a handler receives (borrowed from the transaction's values).
pub(crate) trait Event: 'static {
    /// What the handlers see.
    type Data<'a>;
}

/// A handler of event `E`: runs inside the reporting transaction.
pub(crate) type Handler<E> =
    for<'a, 'b, 'c> fn(&'a Tx<'b>, &'a <E as Event>::Data<'c>) -> Result<(), StoreError>;

/// Which handlers each event runs (registered by the facade when the shop opens).
#[derive(Default)]
pub(crate) struct Effects {
    /// Per event type, a `Vec<Handler<E>>`.
    handlers: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Effects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Effects")
            .field("events", &self.handlers.len())
            .finish()
    }
}

impl Effects {
    /// Runs `handler` whenever `E` is reported, after the handlers registered before it.
    pub(crate) fn on<E: Event>(mut self, handler: Handler<E>) -> Effects {
        self.handlers
            .entry(TypeId::of::<E>())
            .or_insert_with(|| Box::new(Vec::<Handler<E>>::new()))
            .downcast_mut::<Vec<Handler<E>>>()
            .expect("an event's handlers are stored under its own type id")
            .push(handler);
        self
    }

    fn of<E: Event>(&self) -> &[Handler<E>] {
        self.handlers
            .get(&TypeId::of::<E>())
            .and_then(|handlers| handlers.downcast_ref::<Vec<Handler<E>>>())
            .map_or(&[], Vec::as_slice)
    }
}

impl Tx<'_> {
    /// Reports event `E` with `data`: runs its registered handlers in this transaction.
    pub(crate) fn report<E: Event>(&self, data: &E::Data<'_>) -> Result<(), StoreError> {
        for handler in self.effects.of::<E>() {
            handler(self, data)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError, Table, Tx};
    use super::{Effects, Event};
    use crate::clock::Timestamp;

    /// A change to a named number.
    struct Set;
    impl Event for Set {
        type Data<'a> = (&'a str, u8);
    }
    /// An event nobody handles.
    struct Unheard;
    impl Event for Unheard {
        type Data<'a> = ();
    }

    fn count(tx: &Tx<'_>, (name, _): &(&str, u8)) -> Result<(), StoreError> {
        let n: u8 = tx.get(Table::Sessions, b"count")?.unwrap_or(0);
        assert_ne!(*name, "boom-before", "runs in registration order");
        tx.put(Table::Sessions, b"count", &(n + 1))
    }

    fn last(tx: &Tx<'_>, (name, value): &(&str, u8)) -> Result<(), StoreError> {
        if *name == "boom" {
            return Err(StoreError::Encode {
                reason: "refused by a handler".into(),
            });
        }
        tx.put(Table::Sessions, b"last", value)
    }

    #[test]
    fn handlers_run_in_the_reporting_transaction_in_order_and_a_failure_undoes_it() {
        let effects = Effects::default().on::<Set>(count).on::<Set>(last);
        let (_dir, store) = Store::temporary(effects);
        store
            .transact(Timestamp(0), |tx| {
                tx.report::<Unheard>(&())?;
                tx.report::<Set>(&("a", 7))?;
                tx.report::<Set>(&("b", 9))
            })
            .unwrap();
        assert_eq!(
            store.read::<u8>(Table::Sessions, b"count").unwrap(),
            Some(2)
        );
        assert_eq!(store.read::<u8>(Table::Sessions, b"last").unwrap(), Some(9));
        // A handler that fails fails the transaction: nothing of it stays.
        let failed = store.transact(Timestamp(0), |tx| {
            tx.put(Table::Sessions, b"other", &1u8)?;
            tx.report::<Set>(&("boom", 1))
        });
        assert!(failed.is_err());
        assert_eq!(
            store.read::<u8>(Table::Sessions, b"count").unwrap(),
            Some(2)
        );
        assert_eq!(store.read::<u8>(Table::Sessions, b"other").unwrap(), None);
    }
}
