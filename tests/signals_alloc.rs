//! Computing signals does not allocate more with use: a counting global allocator around
//! `signals::compute` on a 10-message conversation. After a warm-up (the tables are built once,
//! the per-thread buffers grow to the longest text seen), every call makes the same number of
//! allocations; a 16× longer text adds only the few doublings of the per-message buffers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![allow(
    unsafe_code,
    reason = "a counting global allocator that forwards to the system allocator"
)]

use handoff::context::{Message, Sender};
use handoff::signals::{Wanted, compute};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn conversation(times: usize) -> Vec<Message> {
    let texts = [
        "Hi, I was charged twice for my order and I can't afford this right now.",
        "I'm sorry to hear that. Let me check the charges on your account.",
        "It's the second time this month. My rent is due on Friday! 😢",
        "I can see two payments of $89.99. One of them is pending.",
        "Pending means what? I need that money back TODAY.",
        "Pending charges usually drop off within 3 to 5 business days.",
        "That is not good enough, I am really worried about this. I'm dying to know.",
        "I understand. Would you like me to open a dispute for you?",
        "No. Let me tlak to a humna please, can someone call me back, this is urgent!!",
        "Of course, I'm connecting you with an agent now.",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let from = if i % 2 == 0 { Sender::Customer } else { Sender::Ai };
            Message::new(from, vec![*t; times].join(" "))
        })
        .collect()
}

#[test]
fn signals_allocations_do_not_grow_per_call() {
    let conv = conversation(1);
    for _ in 0..3 {
        black_box(compute(&conv, Wanted::ALL));
    }
    let one = allocations(|| {
        black_box(compute(&conv, Wanted::ALL));
    });
    let hundred = allocations(|| {
        for _ in 0..100 {
            black_box(compute(&conv, Wanted::ALL));
        }
    });
    assert_eq!(hundred, 100 * one, "one call: {one} allocations; 100 calls: {hundred}");
}

#[test]
fn longer_texts_allocate_a_bounded_number_of_times() {
    let short = conversation(1);
    let long = conversation(16);
    for _ in 0..3 {
        black_box(compute(&long, Wanted::ALL));
        black_box(compute(&short, Wanted::ALL));
    }
    let a = allocations(|| {
        black_box(compute(&short, Wanted::ALL));
    });
    let b = allocations(|| {
        black_box(compute(&long, Wanted::ALL));
    });
    let again = allocations(|| {
        black_box(compute(&long, Wanted::ALL));
    });
    assert_eq!(b, again, "16× text: {b} then {again} allocations");
    // the per-message buffers (masked words, construct matches) grow by doubling: 16× the text
    // costs a few more allocations, not 16× as many
    assert!(b < 2 * a, "short text: {a} allocations, 16× text: {b}");
}
