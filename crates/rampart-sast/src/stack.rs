//! The stack guard of the recursive passes (lowering, IR walks, taint evaluation): a step that
//! would start with less than [`RED_ZONE`] of the thread's stack left is not taken (the node is
//! treated as opaque), whatever the thread's stack size. The depth bounds (`lower::MAX_DEPTH`,
//! `taint::MAX_NESTING`) normally stop first; this guard covers builds whose frames are larger
//! (debug builds) and threads with smaller stacks.

/// Stack that must be left for a recursive step to start: more than any bounded, unguarded
/// recursion below a guarded step needs.
pub const RED_ZONE: usize = 256 * 1024;

/// Whether the stack is too close to its end for another recursive step (`false` where the
/// platform does not say how much is left).
pub fn low() -> bool {
    stacker::remaining_stack().is_some_and(|left| left < RED_ZONE)
}
