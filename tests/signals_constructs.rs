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

/// The crisis forms added in round 3 and 4 (docs/SIGNALS.md): positive, negated, everyday or
/// figurative, someone else.
#[test]
fn crisis_constructs_round_three() {
    check(
        &[
            // ending things, method, stockpiled pills
            ("lately I keep thinking about ending things", true),
            ("I'm not thinking about ending things, just my contract", false),
            ("my friend has been thinking about ending things", false),
            ("I thought about driving into the river last night", true),
            ("I have tablets stockpiled at home", true),
            // never wake up, not sure I want to be alive
            ("I hope I go to sleep and never wake up", true),
            ("I never wake up on time for deliveries", false),
            ("honestly I'm not sure I want to be alive", true),
            // better off / easier if I were gone
            ("they'd all be happier if I disappeared", true),
            ("it would be easier for everyone if I ended it", true),
            ("it would be easier for everyone if I ended the contract", false),
            // tired of living, had enough of life
            ("I'm so tired of living", true),
            ("I'm tired of living in this flat, can you deliver to my new address", false),
            ("I've had enough of life", true),
            // no future, rock bottom, another day, no way out of this hole
            ("I can't see a future for myself", true),
            ("I can't see a future for this product", false),
            ("I've hit rock bottom", true),
            ("prices have hit rock bottom this week", false),
            ("I can't face another day", true),
            ("I can't face another day of this hold music", false),
            // burden, controlling partner, a last message
            ("I'm just a drain on everyone", true),
            ("my phone is just a drain on the battery", false),
            ("nobody will have to worry about me soon", true),
            ("my husband takes all my wages", true),
            ("my employer takes all my wages in tax, lol", false),
            ("this is my last message", true),
            ("this is my last message before I cancel", false),
            // a negated belief in going on, a reason to live, feeling like a burden
            ("honestly I don't think I can go on", true),
            ("I don't think I can keep going to the gym, cancel it", false),
            ("my dad doesn't think he can keep going", false),
            ("I can't find any reason to keep living", true),
            ("I don't see any reason to keep my subscription", false),
            ("I feel useless and like a burden", true),
            // suicide as a topic or a figure, not a wish
            ("I feel suicidal", true),
            ("can I donate to suicide prevention with my card", false),
            ("this price is suicide for my budget", false),
            ("renewing would be financial suicide", false),
        ],
        "crisis",
        |s| s.crisis,
    );
}

/// The figures added in round 3 and 4 (docs/SIGNALS.md) stay below distress 0.5; the same words
/// about oneself or a person still count.
#[test]
fn figures_round_three() {
    check(
        &[
            // a thing evaluated, not the writer (subject guard)
            ("the delivery slot booking is a nightmare", false),
            ("setting up the router was a total disaster", false),
            ("my life is a nightmare since he died", true),
            // an evaluative word before a thing
            ("that is a scary amount for a kettle", false),
            // tears of joy need joy in the message
            ("I'm crying, the flowers are so beautiful", false),
            ("I'm crying and I can't stop since my wife passed away", true),
            // hunger, surprise, hyperbole, an own mistake, an outcome
            ("I'm starving, is the cafe open", false),
            ("I was stunned at how quick the delivery was", false),
            ("I'm going crazy trying to reset my password", false),
            ("I think I picked the wrong size", false),
            ("I'm panicking, I forgot to add the voucher", false),
            ("I'm so worried the sofa won't fit through the door", false),
            ("I'm gutted the jumper sold out", false),
            ("I'm afraid the voucher has expired", false),
            // politeness needs a plain statement: a real fear still counts
            ("I'm afraid I might lose my home", true),
            // `i miss` a thing is not grief; a person is
            ("if I miss the delivery window can you rebook", false),
            ("I miss my mum so much since the funeral", true),
            // killing me if: a figure, unless leaving or telling is at stake
            ("my wife will murder me if the cake is late", false),
        ],
        "distress >= 0.5",
        |s| s.distress >= 0.5,
    );
}
