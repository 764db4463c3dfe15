//! `qrseal_policy`: what a checkpoint requires.

use core::time::Duration;

use qrseal_core::Colour;
use qrseal_verifier::{Code, ColourSet, Policy};

use crate::codes::qrseal_code;
use crate::{boundary, boundary_void, handle_mut, write_out};

/// What a checkpoint requires: an opaque handle around [`Policy`]. Made by
/// [`qrseal_policy_new`] (the default policy: green only, stale trust data denied 72 hours
/// past its next update), changed by the `qrseal_policy_set_*` functions, released by
/// [`qrseal_policy_free`]. Verifying reads it through a `const` pointer, so one policy may
/// serve several threads at once as long as none changes it meanwhile.
pub struct qrseal_policy {
    pub(crate) policy: Policy,
}

/// Bit of a colour in the mask of [`qrseal_policy_set_accepted_colours`]: `1 << colour`.
const fn colour_bit(c: Colour) -> u32 {
    1 << (crate::types::qrseal_colour_of(c) as u32)
}

/// Makes the default policy into `*out` (release it with [`qrseal_policy_free`]).
///
/// # Safety
///
/// `out` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_new(out: *mut *mut qrseal_policy) -> qrseal_code {
    boundary(|| {
        if out.is_null() {
            return Err(Code::InvalidArgument);
        }
        let policy = Box::into_raw(Box::new(qrseal_policy {
            policy: Policy::default(),
        }));
        // SAFETY: checked not NULL; the caller promises it is writable.
        unsafe { write_out(out, policy) }
    })
}

/// Releases a policy; NULL is allowed and does nothing. Not thread-safe with any other use
/// of the same policy.
///
/// # Safety
///
/// `policy` must be NULL or come from [`qrseal_policy_new`] and not have been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_free(policy: *mut qrseal_policy) {
    boundary_void(|| {
        if !policy.is_null() {
            // SAFETY: made by Box::into_raw in qrseal_policy_new, freed once (caller's promise).
            drop(unsafe { Box::from_raw(policy) });
        }
    });
}

/// Admits exactly the colours in `mask`: bit `1 << QRSEAL_COLOUR_x` per colour (green is
/// 1, yellow 2, red 4, dark red 8). Bits above those four are refused with
/// `QRSEAL_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `policy` must be NULL (refused) or a live policy no other call uses meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_set_accepted_colours(
    policy: *mut qrseal_policy,
    mask: u32,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let p = unsafe { handle_mut(policy) }?;
        let all = Colour::ALL.iter().fold(0, |m, &c| m | colour_bit(c));
        if mask & !all != 0 {
            return Err(Code::InvalidArgument);
        }
        let set = Colour::ALL
            .iter()
            .filter(|&&c| mask & colour_bit(c) != 0)
            .fold(ColourSet::EMPTY, |s, &c| s.with(c));
        p.policy = p.policy.accept(set);
        Ok(())
    })
}

/// Requires a negative test at most `max_age_secs` old (`required` true), or no test at all
/// (`required` false, the default).
///
/// # Safety
///
/// As [`qrseal_policy_set_accepted_colours`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_set_max_test_age(
    policy: *mut qrseal_policy,
    required: bool,
    max_age_secs: u64,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let p = unsafe { handle_mut(policy) }?;
        p.policy.max_test_age = required.then(|| Duration::from_secs(max_age_secs));
        Ok(())
    })
}

/// Requires at least `doses` vaccine doses (0, the default: no requirement).
///
/// # Safety
///
/// As [`qrseal_policy_set_accepted_colours`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_set_min_doses(
    policy: *mut qrseal_policy,
    doses: u8,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let p = unsafe { handle_mut(policy) }?;
        p.policy = p.policy.min_doses(doses);
        Ok(())
    })
}

/// Denies tokens verified against trust data stale by more than `max_secs` past its next
/// update (`limited` true; the default is 72 hours), or never denies for staleness
/// (`limited` false).
///
/// # Safety
///
/// As [`qrseal_policy_set_accepted_colours`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_set_max_stale(
    policy: *mut qrseal_policy,
    limited: bool,
    max_secs: u64,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let p = unsafe { handle_mut(policy) }?;
        p.policy = p
            .policy
            .max_stale(limited.then(|| Duration::from_secs(max_secs)));
        Ok(())
    })
}

/// Denies tokens verified without revocation data (`required` true; default false).
///
/// # Safety
///
/// As [`qrseal_policy_set_accepted_colours`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_policy_set_require_revocations(
    policy: *mut qrseal_policy,
    required: bool,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let p = unsafe { handle_mut(policy) }?;
        p.policy = p.policy.require_revocations(required);
        Ok(())
    })
}
