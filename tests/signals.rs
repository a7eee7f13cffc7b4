//! Conversation signals: VADER parity with the `vader_sentiment` crate, person requests,
//! distress, repeats, and bad input. Hand-written samples only (no external data).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::time::{Duration, Instant};

use handoff::context::{Conversation, Given, Message, Sender};
use handoff::signals::{Wanted, compute, message_sentiment, text_distress, text_requests_human, text_sentiment};

fn crate_compound(text: &str) -> f64 {
    thread_local! {
        static ANALYZER: vader_sentiment::SentimentIntensityAnalyzer<'static> =
            vader_sentiment::SentimentIntensityAnalyzer::new();
    }
    ANALYZER.with(|a| a.polarity_scores(text)["compound"])
}

fn assert_parity(text: &str) {
    let ours = text_sentiment(text);
    let theirs = crate_compound(text);
    assert!((ours - theirs).abs() <= 1e-6, "{text:?}: ours {ours} crate {theirs}");
}

const HAND_WRITTEN: &[&str] = &[
    "",
    " ",
    "a",
    "!",
    "hello there!",
    "Can I speak to someone?",
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as such as 💘 and 💋 and 😁",
    "Not bad at all",
    "I was charged twice and I can't afford this",
    "This is the shit, the bomb, to die for",
    "yeah right, that was so helpful",
    "it was the kiss of death for the project",
    "I also really like it a lot",
    "never so happy in my life",
    "without doubt the best",
    "I am not at all happy, this is never this good",
    "my dad died last week and I am devastated",
    "I CAN'T BELIEVE THIS!!! WORST SERVICE EVER",
    "sort of ok, kind of nice, just enough good",
    "the least good thing",
    "Ich bin sehr glücklich 😀 straße STRASSE",
    "ſo good, ﬁne, K",
    "Привет, это ужасно 😡😡",
    "混合 scripts 日本語 good bad",
    "emoji🙂inside😀words",
    "\u{FFFD}\u{FFFD} replacement characters are fine",
    "tabs\tand\nnewlines\r\nand  double  spaces",
    "DON'T do that, it's WOULDN'T and Didn't, not good",
    "isn't good, aren't great, ain't nice, nope not cool",
    ":-Þ :Þ :-þ",
    "uh-uh, that's not happy",
    "Kind of bad, sort-of good, kind-of great",
    "I hate it but I love it",
    "BUT but But the end is good",
    "it's pretty damn good, better than most",
    "GOOD good GOOD",
    "!!!!!!!!!! ??????",
    "??? good",
    "...",
    "a b c d e f",
];

#[test]
fn vader_parity_hand_written() {
    for text in HAND_WRITTEN {
        assert_parity(text);
    }
}

/// A small deterministic generator (no external crates needed for reproducibility).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "good",
    "bad",
    "great",
    "terrible",
    "love",
    "hate",
    "happy",
    "sad",
    "not",
    "never",
    "very",
    "so",
    "this",
    "kind",
    "of",
    "sort",
    "but",
    "least",
    "at",
    "without",
    "doubt",
    "the",
    "shit",
    "bomb",
    "die",
    "for",
    "to",
    "yeah",
    "right",
    "bad",
    "ass",
    "badass",
    "kiss",
    "death",
    "isn't",
    "don't",
    "didn't",
    "can't",
    "barely",
    "hardly",
    "extremely",
    "really",
    "slightly",
    "agent",
    "human",
    "please",
    "help",
    "refund",
    "charged",
    "twice",
    "afford",
    "died",
    "scared",
    "worried",
    "GOOD",
    "BAD",
    "VERY",
    "NOT",
    "LOVE",
    "HATE",
    "AWESOME",
    "Terrible",
    "funny",
    "smart",
    "handsome",
    "nice",
    "also",
    "some",
    "person",
    "just",
    "enough",
    "little",
    "more",
    "most",
    "lol",
    ":)",
    ":(",
    ":D",
    ";)",
    "<3",
    "kinda",
    "sorta",
    "uber",
    "friggin",
    "fucking",
    "ok",
    "okay",
    "fine",
    "wtf",
    "meh",
    "ugh",
    "yay",
    "wow",
    "no",
    "nope",
    "nor",
    "uh-uh",
    "aint",
    "wasn't",
    "n't",
    "won't",
    "nothing",
    "despite",
    "rarely",
    "😀",
    "😡",
    "💔",
    "🙂",
    "é",
    "ß",
    "Straße",
    "naïve",
    "café",
    "日本",
    "Привет",
    "ſo",
    "K",
    "İ",
    "Ǆ",
    "ǅ",
    "ﬁne",
];
const PUNCT: &[&str] = &[
    "", "", "", "", ",", ".", "!", "?", "!!", "??", "...", "!?", "'", "\"", "(", ")",
];
const SEPS: &[&str] = &[" ", " ", " ", " ", "  ", "\t", "\n", ""];

fn generate(rng: &mut Rng) -> String {
    let n = (rng.next() % 14) as usize;
    let mut s = String::new();
    for _ in 0..n {
        if rng.next().is_multiple_of(9) {
            s.push_str(rng.pick(PUNCT));
        }
        s.push_str(rng.pick(WORDS));
        s.push_str(rng.pick(PUNCT));
        s.push_str(rng.pick(SEPS));
    }
    s
}

/// Two special idioms in one window are resolved by the crate in `HashMap` order, which varies
/// from run to run; such texts are left out of the comparison (documented difference).
fn idioms_in(text: &str) -> usize {
    let lower = text.to_lowercase();
    [
        "the shit",
        "the bomb",
        "bad ass",
        "badass",
        "yeah right",
        "kiss of death",
        "to die for",
    ]
    .iter()
    .filter(|i| lower.contains(*i))
    .count()
}

#[test]
fn vader_parity_generated() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    for _ in 0..6000 {
        let text = generate(&mut rng);
        if idioms_in(&text) > 1 {
            continue;
        }
        assert_parity(&text);
        compared += 1;
    }
    assert!(compared > 5000, "only {compared} texts compared");
}

#[test]
fn vader_parity_sentences() {
    // Recombined clauses of customer-service English.
    let openers = ["", "Honestly, ", "WOW. ", "Hi, ", "Well... ", "ugh "];
    let subjects = [
        "the app",
        "your agent",
        "this service",
        "my refund",
        "the product",
        "it",
    ];
    let verbs = [
        "is",
        "was",
        "isn't",
        "was not",
        "seems",
        "is never",
        "is kind of",
        "is so",
    ];
    let adjs = [
        "good", "great", "bad", "awful", "helpful", "useless", "fine", "AMAZING", "slow",
    ];
    let tails = [
        "",
        ".",
        "!",
        "!!!",
        "?",
        " :(",
        " :)",
        " but the staff were nice.",
        " lol",
        " 😡",
    ];
    let mut n = 0;
    for o in openers {
        for s in subjects {
            for v in verbs {
                for a in adjs {
                    for t in tails {
                        assert_parity(&format!("{o}{s} {v} {a}{t}"));
                        n += 1;
                    }
                }
            }
        }
    }
    assert!(n > 2000);
}

fn customer(text: &str) -> Message {
    Message::new(Sender::Customer, text)
}

fn requests(text: &str) -> bool {
    text_requests_human(text) == Some(true)
}

#[test]
fn human_requests() {
    for text in [
        "let me talk to a human",
        "agent please",
        "Agent!!",
        "how do I reach an operator",
        "i want a real person",
        "can I speak to someone?",
        "I need to speak with somenoe",
        "talk to a humna",
        "representitive",
        "can i get a representitive please",
        "connect me with a live agent",
        "transfer me to a human being",
        "is there a human I can talk to?",
        "I can't reach an agent, please help",
        "I don't know how to contact a person",
        "put me through to a supervisor",
        "I'd like to speak to your manager",
        "REAL PERSON NOW",
        "can I talkk to someone?",
        "I want to chat with a live agent",
        "you are not helpful, I want to speak to an operator",
    ] {
        assert!(requests(text), "should request: {text:?}");
    }
}

#[test]
fn human_not_requested() {
    for text in [
        "I don't need an agent",
        "no need for a human",
        "I do not want to talk to a person",
        "my travel agent booked the flight",
        "the person at the desk was rude",
        "that was human error",
        "a real person charged my card",
        "someone stole my card",
        "can someone explain the fee?",
        "I need someone to explain the fee",
        "I sent money to a person and they did not get it",
        "I paid in person at the branch",
        "your virtual assistant is useless",
        "I spoke to an agent yesterday",
        "are you human?",
        "where is my refund",
        "",
    ] {
        assert!(!requests(text), "should not request: {text:?}");
    }
    assert_eq!(text_requests_human("I don't need an agent"), Some(false));
}

#[test]
fn human_requested_over_conversation() {
    let conv = [
        customer("hi"),
        Message::new(Sender::Ai, "hello"),
        customer("agent please"),
    ];
    assert!(compute(&conv, Wanted::ALL).human_requested);
    let retracted = [
        customer("agent please"),
        customer("actually no need for an agent, thanks"),
    ];
    assert!(!compute(&retracted, Wanted::ALL).human_requested);
    // only customer messages count
    let ai = [Message::new(Sender::Ai, "do you want to talk to a human?")];
    assert!(!compute(&ai, Wanted::ALL).human_requested);
}

#[test]
fn distress_scores() {
    for text in [
        "my husband died and I can't afford the funeral",
        "I'm so scared, I think someone is stalking my account",
        "I am desperate, please help me, I have no money for rent",
        "I've never been this sad in my life",
        "I'm terrified and panicking",
        "I'm in the hospital with cancer and can't pay",
    ] {
        let d = text_distress(text);
        assert!(d >= 0.5, "{text:?}: distress {d}");
    }
    for text in [
        "where is my order?",
        "please update my address",
        "thanks, that worked",
        "no worries, I'm not worried at all",
        "what are your opening hours",
    ] {
        let d = text_distress(text);
        assert!(d < 0.3, "{text:?}: distress {d}");
    }
    let shouting = text_distress("WHERE IS MY MONEY!!!");
    let calm = text_distress("where is my money");
    assert!(shouting > calm + 0.2, "{shouting} vs {calm}");
}

#[test]
fn distress_things_dying_are_not_grief() {
    // a person or a pet dying is grief
    for text in [
        "my dog died yesterday",
        "my mum passed away last week",
        "my husband is dying",
        "my father died and I need to close his account",
    ] {
        let d = text_distress(text);
        assert!(d >= 0.6, "{text:?}: distress {d}");
    }
    // things die without anyone dying; `dead` is also a figure
    for text in [
        "my phone died so I couldn't get the code",
        "my phone died",
        "my battery died halfway through the call",
        "my laptop is dying, can I get a new charger",
        "the car died on the motorway",
        "the line went dead",
        "the item was dead on arrival",
        "the link in your email is dead",
        "the dead link in your email",
        "it was dead easy to set up",
        "I'm dead serious about this refund",
        "this is a dead end",
    ] {
        let d = text_distress(text);
        assert!(d < 0.3, "{text:?}: distress {d}");
    }
}

#[test]
fn distress_context_rules() {
    // a first-person statement of a negative feeling, without a distress word
    for text in [
        "I feel so humiliated",
        "I'm offended",
        "this whole thing makes me miserable",
    ] {
        let d = text_distress(text);
        assert!(d >= 0.5, "{text:?}: distress {d}");
    }
    // negated, figures, sympathy for someone else, longer phrases not counted twice
    for (text, below) in [
        ("I'm not worried", 0.2),
        ("I wouldn't worry about it", 0.3),
        ("no worries at all", 0.2),
        ("sorry for your loss", 0.5),
        ("that would be sick", 0.5),
        ("I'm still waiting for a sick upgrade", 0.5),
        ("the screen broke", 0.5),
    ] {
        let d = text_distress(text);
        assert!(d < below, "{text:?}: distress {d} (want < {below})");
    }
    for text in ["I'm sick and can't work", "I am broke until payday", "it makes me sick"] {
        let d = text_distress(text);
        assert!(d >= 0.5, "{text:?}: distress {d}");
    }
    // thoughts of suicide or self-harm are the highest distress, unless negated
    for text in ["I want to kill myself", "everyone would be better off without me"] {
        let d = text_distress(text);
        assert!(d >= 0.9, "{text:?}: distress {d}");
    }
    assert!(text_distress("I'm not suicidal, just annoyed") < 0.5);
    // words alone stay below 0.7: high distress needs more than one kind of evidence
    let words = text_distress("my husband died and I can't afford the funeral, I'm desperate");
    assert!((0.6..0.7).contains(&words), "{words}");
    // `feel awful` is one phrase, not also `awful`
    let phrase = text_distress("I feel awful");
    assert!((0.5..0.9).contains(&phrase), "{phrase}");
}

#[test]
fn distress_in_range_and_rises_with_trend_and_repetition() {
    let calm = [customer("hello, my card is fine, thanks")];
    let worse = [
        customer("hello, my card is great, thanks"),
        customer("it still does not work"),
        customer("it still does not work"),
        customer("this is terrible, nothing works and I am upset"),
    ];
    let a = compute(&calm, Wanted::ALL).distress;
    let b = compute(&worse, Wanted::ALL).distress;
    assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
    assert!(b > a);
}

#[test]
fn no_customer_message() {
    let conv = [Message::new(Sender::Ai, "hello"), Message::new(Sender::Agent, "hi")];
    let s = compute(&conv, Wanted::ALL);
    assert_eq!(s.sentiment, None);
    assert_eq!(s.sentiment_min, None);
    assert_eq!(s.distress, 0.0);
    assert_eq!(s.negative_streak, 0.0);
    assert_eq!(s.repeated, 0.0);
    assert!(!s.human_requested);
    assert_eq!(s.ai_turns, 1.0);
    let empty = compute(&[], Wanted::ALL);
    assert_eq!(empty.sentiment, None);
    assert_eq!(empty.ai_turns, 0.0);
}

#[test]
fn sentiments_streak_and_given_values() {
    let mut given = customer("this is wonderful");
    given.sentiment = Given::Value(-0.9);
    let mut wrong = customer("this is wonderful");
    wrong.sentiment = Given::WrongType;
    assert_eq!(message_sentiment(&given), Some(-0.9));
    assert_eq!(message_sentiment(&wrong), None);
    assert!(message_sentiment(&customer("this is wonderful")).unwrap() > 0.5);

    let conv = [
        customer("this is wonderful"),
        customer("this is terrible"),
        Message::new(Sender::Ai, "sorry"),
        given.clone(),
    ];
    let s = compute(&conv, Wanted::ALL);
    assert_eq!(s.sentiment, Some(-0.9));
    assert_eq!(s.sentiment_min, Some(-0.9));
    assert_eq!(s.negative_streak, 2.0);
    assert_eq!(s.ai_turns, 1.0);
    // an unknown sentiment ends the streak and leaves the latest unknown
    let conv = [customer("this is terrible"), wrong];
    let s = compute(&conv, Wanted::ALL);
    assert_eq!(s.sentiment, None);
    assert_eq!(s.negative_streak, 0.0);
    assert!(s.sentiment_min.unwrap() < -0.4);
    // only what is wanted is computed
    let only = compute(
        &conv,
        Wanted {
            ai_turns: true,
            ..Wanted::default()
        },
    );
    assert_eq!(only.sentiment_min, None);
}

#[test]
fn repeated_messages() {
    let conv = [
        customer("My card was charged twice."),
        customer("my card was charged TWICE!!"),
        customer("yes"),
        customer("yes"),
        customer("hello, my card was charged twice"),
        customer("something else entirely"),
    ];
    assert_eq!(compute(&conv, Wanted::ALL).repeated, 2.0);
}

#[test]
fn bad_input_empty_emoji_mixed_scripts() {
    for text in [
        "",
        "   ",
        "😀😀😀",
        "🏳️‍🌈 👨‍👩‍👧",
        "Привет 你好 مرحبا שלום",
        "\u{FFFD}",
        "\u{0}\u{1}",
        "a\u{301}",
    ] {
        let s = text_sentiment(text);
        assert!((-1.0..=1.0).contains(&s));
        let d = text_distress(text);
        assert!((0.0..=1.0).contains(&d));
        let _ = text_requests_human(text);
        assert_parity(text);
    }
}

#[test]
fn bad_input_lone_surrogates_from_json() {
    // serde_json rejects a lone surrogate escape in a string…
    let err = Conversation::from_json(r#"{"messages":[{"from":"customer","text":"\ud800 help"}]}"#);
    match err {
        Ok(c) => {
            // …or, if the reader is lenient, it must carry a valid string that we score.
            let s = compute(&c.messages, Wanted::ALL);
            assert!(s.distress.is_finite());
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
    // a valid surrogate pair is an ordinary character
    let ok =
        Conversation::from_json(r#"{"messages":[{"from":"customer","text":"\ud83d\ude00 agent please"}]}"#).unwrap();
    assert!(compute(&ok.messages, Wanted::ALL).human_requested);
}

#[test]
fn bad_input_one_megabyte_text() {
    let chunk = "I am so angry and scared!!! AGENT PLEASE talk to a human, this is terrible. ";
    let big = chunk.repeat(1_000_000 / chunk.len() + 1);
    let start = Instant::now();
    let s = compute(&[customer(&big)], Wanted::ALL);
    assert!(s.human_requested);
    assert!((0.0..=1.0).contains(&s.distress));
    let one_token = "a".repeat(1_000_000);
    let _ = compute(&[customer(&one_token)], Wanted::ALL);
    let emoji = "😡".repeat(250_000);
    let _ = compute(&[customer(&emoji)], Wanted::ALL);
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
}

#[test]
fn bad_input_hundred_thousand_messages() {
    let mut conv = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        let text = if i % 3 == 0 {
            "it still does not work".to_string()
        } else {
            format!("order number {i} is late")
        };
        let from = if i % 2 == 0 { Sender::Customer } else { Sender::Ai };
        conv.push(Message::new(from, text));
    }
    let start = Instant::now();
    let s = compute(&conv, Wanted::ALL);
    assert_eq!(s.ai_turns, 50_000.0);
    assert!(s.repeated > 10_000.0);
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
}
