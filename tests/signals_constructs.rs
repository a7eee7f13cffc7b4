//! The crisis, figure and person-request constructs of `src/signals/*.txt`, one case per
//! construct and language: a positive, a negated form, a figure or everyday look-alike, and
//! someone else. Hand-written texts only (the evaluation sets live in tests/signals_eval/).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::context::{Message, Sender};
use handoff::signals::{Signals, Wanted, compute, rule_problems};

fn signals(text: &str) -> Signals {
    compute(&[Message::new(Sender::Customer, text)], Wanted::ALL)
}

fn check(cases: &[(&str, bool)], what: &str, f: impl Fn(&Signals) -> bool) {
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(t, want)| f(&signals(t)) != *want)
        .map(|(t, want)| format!("{what} should be {want}: {t:?}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rule_files_are_well_formed() {
    assert_eq!(rule_problems(), Vec::<String>::new());
}

/// Each crisis construct in English: positive, negated, everyday or figurative, someone else.
#[test]
fn crisis_constructs_english() {
    check(
        &[
            // explicit ideation
            ("i keep thinking i should kill myself", true),
            ("I'm not going to kill myself, relax", false),
            ("I could kill myself for forgetting the code, lol", false),
            ("my cousin tried to kill himself", false),
            // passive ideation
            ("honestly i just wish i was dead", true),
            ("some days i dont want to be alive anymore", true),
            ("they would all be better off without me", true),
            ("I do not want to die, I want the refund", false),
            ("my flatmate says she wants to die", false),
            ("I want to disappear from your marketing emails", false),
            // hopelessness
            ("i cant see the point in anything now", true),
            ("nothing is ever going to get better for me", true),
            ("there's no point waiting in this queue, cancel it", false),
            ("I give up trying to log in", false),
            ("I've given up on everything", true),
            // entrapment
            ("i can't go on like this", true),
            ("I cannot cope anymore", true),
            ("I can't take it back to the store", false),
            ("my brother says he can't cope anymore", false),
            // burden
            ("i feel like such a burden to everyone", true),
            ("no one would notice if i was gone", true),
            ("no one would notice if the box was gone", false),
            ("the burden of proof is on the seller", false),
            // danger
            ("I fear for my safety at home", true),
            ("my boyfriend threatened to hurt me", true),
            ("i dont feel safe at home anymore", true),
            ("your letter threatened to close my account", false),
            // panic
            ("i think i'm having a panic attack", true),
            ("i cant breathe, please help", true),
            ("I can't breathe from laughing at this", false),
            ("my sister had a panic attack at work", false),
        ],
        "crisis",
        |s| s.crisis,
    );
}

/// The core crisis forms in six languages: positive, negated, figure, someone else.
#[test]
fn crisis_constructs_six_languages() {
    check(
        &[
            ("a veces quiero morirme", true),
            ("no quiero morir, quiero mi dinero", false),
            ("me muero de ganas de verlo", false),
            ("mi hermana dice que quiere morirse", false),
            ("je veux mourir", true),
            ("je ne veux pas mourir", false),
            ("je meurs d'envie de goûter", false),
            ("mon frère dit qu'il veut mourir", false),
            ("ich will einfach sterben", true),
            ("ich will nicht sterben", false),
            ("der Link ist tot", false),
            ("mein Sohn sagt, er will sterben", false),
            ("eu quero morrer", true),
            ("não quero morrer", false),
            ("estou morrendo de vontade de comer", false),
            ("meu amigo disse que quer morrer", false),
            ("io voglio morire", true),
            ("non voglio morire", false),
            ("muoio dalla voglia di vederlo", false),
            ("mio figlio dice che vuole morire", false),
            ("ik wil dood", true),
            ("ik wil niet dood", false),
            ("de batterij is dood", false),
            ("mijn zus zegt dat ze dood wil", false),
            ("no puedo más", true),
            ("je n'en peux plus", true),
            ("ich kann nicht mehr", true),
            ("não aguento mais", true),
            ("non ce la faccio più", true),
            ("ik kan niet meer", true),
        ],
        "crisis",
        |s| s.crisis,
    );
}

/// A crisis message reaches distress 0.9; a conversation is in crisis when any customer
/// message is.
#[test]
fn crisis_sets_distress_and_any_message_counts() {
    let s = signals("what's my balance. honestly i don't see the point in anything anymore");
    assert!(s.crisis && s.distress >= 0.9, "{s:?}");
    let conv = [
        Message::new(Sender::Customer, "i can't go on like this"),
        Message::new(Sender::Ai, "I'm here. Can you tell me more?"),
        Message::new(Sender::Customer, "what is my balance"),
    ];
    assert!(compute(&conv, Wanted::ALL).crisis);
    let ai_only = [Message::new(Sender::Ai, "do you feel like you can't go on?")];
    assert!(!compute(&ai_only, Wanted::ALL).crisis);
}

/// Figures of speech stay below distress 0.5; grief stays grief.
#[test]
fn figures_of_speech_do_not_raise_distress() {
    check(
        &[
            ("dying to know when it ships", false),
            ("the queue is killing me", false),
            ("dead battery on arrival", false),
            ("the link in the email is dead", false),
            ("I was crying with laughter", false),
            ("almost had a heart attack at the price", false),
            ("the returns form is a nightmare to find", false),
            ("why was I charged a late fee", false),
            ("I lost my card yesterday", false),
            ("I'm worried my parcel went to the wrong address", false),
            ("the tracking number is hopeless", false),
            ("my dad died last week", true),
            ("I'm scared and alone since my husband passed away", true),
        ],
        "distress >= 0.5",
        |s| s.distress >= 0.5,
    );
}

/// Requests for a person in six languages: request, negated, look-alike agent.
#[test]
fn person_requests_six_languages() {
    check(
        &[
            ("quiero hablar con una persona", true),
            ("no necesito hablar con un agente", false),
            ("mi agente de viajes me llamó", false),
            ("je veux parler à un conseiller", true),
            ("je ne veux pas parler à un conseiller", false),
            ("mon agent immobilier a appelé", false),
            ("ich möchte mit einem Menschen sprechen", true),
            ("ich möchte nicht mit einem Menschen sprechen", false),
            ("mein Immobilienmakler ruft an", false),
            ("quero falar com um atendente", true),
            ("não quero falar com um atendente", false),
            ("o meu agente de viagens ligou", false),
            ("vorrei parlare con un operatore", true),
            ("non voglio parlare con un operatore", false),
            ("il mio agente di viaggio ha chiamato", false),
            ("ik wil met een medewerker praten", true),
            ("ik wil niet met een medewerker praten", false),
            ("mijn makelaar belde", false),
        ],
        "human_requested",
        |s| s.human_requested,
    );
}

/// English callbacks, transfers, "on the line", "get me someone", two misspellings.
#[test]
fn person_requests_callbacks_transfers_typos() {
    check(
        &[
            ("could an agent ring me back later", true),
            ("please call me back", true),
            ("they never call me back", false),
            ("transfer me to your claims team", true),
            ("I transferred the money to the team account", false),
            ("can I be connected to a supervisor", true),
            ("just get me someone please", true),
            ("get me the invoice", false),
            ("is there anyone on the line", true),
            ("can i tlak to a humna", true),
            ("i wnat to speek to an agnet", true),
            ("i dont want to tlak to an agnet", false),
        ],
        "human_requested",
        |s| s.human_requested,
    );
}
