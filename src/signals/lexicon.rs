//! The signal lexicons — roles for person-request detection and distress vocabulary — compiled
//! once into a single Aho-Corasick automaton that runs over each normalised text in one pass.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::text::Normalized;
use super::vader::FxMap;

/// Word roles for the person-request grammar (bit flags).
pub mod role {
    /// A noun that names a person on its own: `human`, `agent`, `operator`, …
    pub const PERSON: u32 = 1;
    /// A noun that names a person only as the object of a contact verb: `someone`, `assistant`.
    pub const PERSON_WEAK: u32 = 1 << 1;
    /// A verb of contact: `talk`, `speak`, `reach`, `transfer`, …
    pub const CONTACT: u32 = 1 << 2;
    /// A verb of wanting or obtaining: `want`, `need`, `get`, `give`, …
    pub const WANT: u32 = 1 << 3;
    /// A negator that can decline: `not`, `don't`, `no`, `never`, `without`, …
    pub const NEGATOR: u32 = 1 << 4;
    /// A word that may stand between a negator and the verb it negates (`don't want to talk`).
    pub const CHAIN: u32 = 1 << 5;
    /// A possessive: `my`, `his`, … (`my travel agent` is not the company's person).
    pub const POSSESSIVE: u32 = 1 << 6;
    /// A word before a person noun that makes it something else: `travel`, `virtual`, `ai`, …
    pub const NOT_PERSON_BEFORE: u32 = 1 << 7;
    /// A word after `human`/`person` that makes it something else: `error`, `rights`, …
    pub const NOT_PERSON_AFTER: u32 = 1 << 8;
    /// A word that may stand between the verb and the person: `to`, `a`, `real`, `live`, …
    pub const BRIDGE: u32 = 1 << 9;
    /// Filler of a short request (`agent please`): `please`, `now`, `hi`, `a`, …
    pub const FILLER: u32 = 1 << 10;
    /// A word that turns the person away: `than` (`rather than`), `instead`.
    pub const AVOID: u32 = 1 << 11;
    /// A preposition that makes `person` a manner: `in person`, `per person`.
    pub const MANNER: u32 = 1 << 12;
    /// The roles the person-request grammar reads (a word with none of them is unknown to it).
    pub const GRAMMAR: u32 = (1 << 13) - 1;
    /// Negators of a distress word: `not`, `no`, `don't`, …
    pub const DISTRESS_NEGATOR: u32 = 1 << 13;
    /// A first-person word: `i`, `me`, `my`, `we`, … (the writer speaks of themselves).
    pub const FIRST_PERSON: u32 = 1 << 14;
    /// A verb of feeling: `feel`, `felt`, … (`I feel awful`).
    pub const FEEL: u32 = 1 << 15;
    /// A first-person copula on its own: `i'm`, `im`, `am`, `i've` (`I'm so lost`).
    pub const SELF_COPULA: u32 = 1 << 16;
    /// A copula that needs a first-person subject before it: `was`, `been`, `get`, …
    pub const COPULA: u32 = 1 << 17;
    /// A causative verb before `me`: `makes`, `made`, `leaves`, … (`it makes me sick`).
    pub const CAUSE: u32 = 1 << 18;
    /// A thing that can "die" without anyone dying: `phone`, `battery`, `line`, `link`, …
    pub const OBJECT: u32 = 1 << 19;
    /// An adjective after which `dead` is an intensifier or a figure: `easy`, `serious`, `end`, …
    pub const DEAD_FIGURE: u32 = 1 << 20;
    /// A person or an animal who can die: `mum`, `husband`, `he`, `dog`, …
    pub const BEING: u32 = 1 << 21;
    /// A thing as subject: `that`, `it`, `this`, … (`that would be sick` is slang).
    pub const DEMONSTRATIVE: u32 = 1 << 22;
}

/// Families of distress vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Grief,
    Fear,
    Desperation,
    Sadness,
    Money,
    Illness,
    /// Anger and hostility: weaker evidence of distress on its own.
    Anger,
    /// Thoughts of suicide or self-harm: the highest distress whatever else is said.
    Crisis,
    /// Sympathy for someone else (`sorry for your loss`): the writer comforting, weak evidence.
    Sympathy,
}

/// How a distress phrase depends on the words around it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Plain,
    /// `died`, `dead`, `dying`, `death`: not grief when a thing dies (`my phone died`, `dead
    /// link`) or `dead` is a figure (`dead easy`, `dead end`).
    Death,
    /// `sick`, `ill`, `broke`: a state only after a copula or feeling verb (`I'm sick`, `I am
    /// broke`), not as a slang or attributive adjective (`a sick dunk`) or a verb (`it broke`).
    State,
}

use role::*;

#[rustfmt::skip]
const PERSON_NOUNS: &[&str] = &[
    "human", "humans", "person", "agent", "agents", "operator", "operators", "representative",
    "representatives", "rep", "reps", "supervisor", "supervisors", "manager", "managers",
    "staff", "staffer", "employee", "employees", "advisor", "adviser", "specialist", "consultant",
    "associate", "people", "humanbeing", "attendant", "clerk", "teller", "banker",
];
#[rustfmt::skip]
const PERSON_WEAK_NOUNS: &[&str] =
    &["someone", "somebody", "anyone", "anybody", "assistant", "assistants", "individual", "guy"];
#[rustfmt::skip]
const CONTACT_VERBS: &[&str] = &[
    "talk", "talking", "speak", "speaking", "chat", "chatting", "contact", "contacting",
    "reach", "reaching", "call", "calling", "phone", "phoning", "ring", "connect", "connecting",
    "transfer", "transferring", "escalate", "escalating", "redirect", "direct", "forward",
    "switch", "patch", "message", "email", "touch", "hold", "through", "hand", "pass", "deal",
    "dealing",
    "communicate", "communicating", "consult",
];
#[rustfmt::skip]
const WANT_VERBS: &[&str] = &[
    "want", "wanna", "need", "needs", "require", "request", "requesting", "demand", "prefer",
    "like", "ask", "asking", "get", "give", "have", "see", "find", "bring", "looking", "seek",
    "seeking", "wanting", "needing",
];
#[rustfmt::skip]
const NEGATORS: &[&str] = &[
    "not", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "never", "no", "nor",
    "neither", "needn't", "needless",
];
#[rustfmt::skip]
const CHAIN_WORDS: &[&str] = &[
    "to", "want", "wanna", "need", "have", "even", "really", "ever", "be", "me", "going",
    "gonna", "like", "i", "you", "do", "does", "any", "longer", "anymore", "for", "a", "an",
    "the", "further", "more",
];
#[rustfmt::skip]
const POSSESSIVES: &[&str] = &["my", "his", "her", "their", "our", "mine", "whose"];
#[rustfmt::skip]
const NOT_PERSON_BEFORE_WORDS: &[&str] = &[
    "travel", "estate", "realtor", "insurance", "booking", "shipping", "virtual", "ai", "bot",
    "automated", "digital", "user", "free", "secret", "undercover", "fbi", "double", "chemical",
    "cleaning", "reducing", "oxidizing", "oxidising", "sports", "talent", "literary", "press",
    "leasing", "letting", "customs", "delivery", "missing", "wrong", "random", "unknown",
    "artificial", "automatic", "robot", "robotic", "fake", "chatbot",
];
#[rustfmt::skip]
const NOT_PERSON_AFTER_WORDS: &[&str] = &[
    "error", "errors", "rights", "resources", "resource", "nature", "race", "body", "trafficking",
    "capital", "interest", "stole", "took", "charged", "sent", "receiving", "received",
];
#[rustfmt::skip]
const BRIDGE_WORDS: &[&str] = &[
    "to", "with", "a", "an", "the", "some", "real", "live", "actual", "human", "me", "through",
    "over", "one", "of", "your", "you", "customer", "service", "support", "care", "proper",
    "physical", "flesh", "blood", "living", "breathing", "actually", "just", "please",
    "talk", "speak", "chat", "us", "in", "touch", "hold", "connected", "transferred", "on",
    "phone", "line", "senior", "account", "billing", "sales", "tech", "technical", "any",
    "fucking", "damn", "goddamn", "freaking", "bloody", "u", "ya", "up", "back", "directly",
    "right", "now", "real-life", "life", "english", "speaking", "kind", "competent", "helpful",
    "somebody", "someone", "be", "get", "for", "another", "other", "different", "an", "it",
];
#[rustfmt::skip]
const FILLER_WORDS: &[&str] = &[
    "please", "pls", "plz", "now", "hi", "hello", "hey", "a", "an", "the", "real", "live",
    "actual", "human", "just", "ok", "okay", "i", "want", "need", "me", "give", "get", "asap",
    "immediately", "right", "thanks", "thank", "you", "yes", "yeah", "speak", "talk", "to",
    "with", "connect", "transfer", "some", "one", "only", "proper", "can", "could", "ineed",
    "iwant", "agent", "representative", "operator", "person", "already", "again", "still",
];
#[rustfmt::skip]
const AVOID_WORDS: &[&str] = &["than", "instead", "rather", "besides", "unlike", "except"];
#[rustfmt::skip]
const MANNER_WORDS: &[&str] = &["in", "per", "third", "first", "missing", "each"];
#[rustfmt::skip]
const DISTRESS_NEGATORS: &[&str] = &[
    "not", "no", "don't", "dont", "isn't", "wasn't", "aren't", "nothing", "without", "nor",
    "never", "didn't", "didnt", "doesn't", "doesnt", "ain't", "isnt", "wasnt", "arent", "hardly",
    "wouldn't", "wouldnt", "won't", "wont",
];
#[rustfmt::skip]
const FIRST_PERSON_WORDS: &[&str] = &[
    "i", "i'm", "im", "i've", "ive", "i'd", "i'll", "me", "my", "myself", "mine", "we", "we're",
    "we've", "us", "our", "ours", "ourselves",
];
#[rustfmt::skip]
const FEEL_WORDS: &[&str] = &["feel", "feels", "feeling", "felt"];
#[rustfmt::skip]
const SELF_COPULAS: &[&str] = &["i'm", "im", "am", "i've", "ive"];
#[rustfmt::skip]
const COPULAS: &[&str] = &[
    "was", "been", "be", "get", "got", "getting", "become", "became", "go", "went", "going",
    "is", "are", "were", "being", "look", "looks", "seem", "seems", "fell", "falling",
];
#[rustfmt::skip]
const CAUSE_WORDS: &[&str] = &[
    "make", "makes", "made", "making", "leave", "leaves", "left", "leaving", "drive", "drives",
    "driving", "drove", "keep", "keeps", "kept", "got", "gets", "getting",
];
/// Things that break down, run out or go silent; a person or an animal is not among them.
#[rustfmt::skip]
const OBJECT_WORDS: &[&str] = &[
    "phone", "phones", "cellphone", "iphone", "android", "smartphone", "mobile", "battery",
    "batteries", "charger", "laptop", "computer", "pc", "mac", "macbook", "tablet", "ipad",
    "car", "cars", "engine", "truck", "van", "bike", "motorcycle", "scooter", "tv", "television",
    "screen", "monitor", "line", "link", "links", "url", "page", "server", "servers", "site",
    "website", "app", "apps", "game", "games", "console", "controller", "xbox", "playstation",
    "router", "modem", "wifi", "internet", "connection", "network", "signal", "printer",
    "camera", "headphones", "earbuds", "airpods", "speaker", "mic", "microphone", "keyboard",
    "mouse", "fridge", "freezer", "washer", "dryer", "dishwasher", "microwave", "oven",
    "heater", "boiler", "furnace", "ac", "lights", "light", "bulb", "power", "device",
    "devices", "drive", "disk", "ssd", "hdd", "motherboard", "gpu", "cpu", "watch", "clock",
    "alarm", "card", "account", "call", "chat", "thread", "channel", "project", "plan", "deal",
    "market", "meme", "joke", "trend", "conversation", "topic", "sub", "subreddit", "forum",
    "server's", "phone's", "battery's", "car's", "laptop's", "pixel", "galaxy", "kindle",
    "switch", "remote", "printer's", "generator", "pump", "tire", "tyre", "starter", "alternator",
];
#[rustfmt::skip]
const BEINGS: &[&str] = &[
    "he", "she", "him", "her", "they", "them", "who", "mum", "mom", "mother", "dad", "father",
    "husband", "wife", "son", "daughter", "brother", "sister", "grandma", "grandmother",
    "grandpa", "grandfather", "granny", "grandad", "nan", "nana", "aunt", "uncle", "cousin",
    "friend", "partner", "boyfriend", "girlfriend", "fiance", "fiancee", "baby", "child", "kid",
    "children", "kids", "parent", "parents", "family", "relative", "colleague", "neighbour",
    "neighbor", "someone", "somebody", "person", "people", "everyone", "dog", "cat", "pet",
    "puppy", "kitten", "horse", "bird", "mum's", "dad's", "husband's", "wife's",
];
#[rustfmt::skip]
const DEMONSTRATIVES: &[&str] =
    &["that", "this", "it", "that's", "thats", "it's", "its", "which", "what", "these", "those"];
/// `dead` before these is a figure or an intensifier, not a death.
#[rustfmt::skip]
const DEAD_FIGURES: &[&str] = &[
    "easy", "simple", "serious", "seriously", "wrong", "right", "set", "end", "ends", "center",
    "centre", "on", "last", "even", "cheap", "ahead", "straight", "silent", "quiet", "certain",
    "sure", "honest", "accurate", "weight", "zone", "zones", "heat", "air", "giveaway", "ringer",
    "pixel", "pixels", "battery", "link", "links", "phone", "line", "code", "space", "stock",
    "tired", "beat", "broke", "slow", "still", "calm", "center", "locked", "flat", "drunk",
];

/// Distress vocabulary: (phrase, family, weight 0…1). General emotional vocabulary, not phrases
/// taken from any evaluation set.
#[rustfmt::skip]
const DISTRESS: &[(&str, Family, f64)] = &[
    // grief
    ("died", Family::Grief, 1.0), ("dead", Family::Grief, 0.6), ("death", Family::Grief, 0.8),
    ("dying", Family::Grief, 0.9), ("passed away", Family::Grief, 1.0),
    ("funeral", Family::Grief, 1.0), ("grief", Family::Grief, 1.0),
    ("grieving", Family::Grief, 1.0), ("mourning", Family::Grief, 1.0),
    ("bereavement", Family::Grief, 1.0), ("widow", Family::Grief, 0.8),
    ("miscarriage", Family::Grief, 1.0), ("killed", Family::Grief, 0.7),
    ("suicide", Family::Crisis, 1.0), ("suicidal", Family::Crisis, 1.0),
    ("kill myself", Family::Crisis, 1.0), ("rip", Family::Sympathy, 0.25),
    ("loss", Family::Grief, 0.5), ("lost my", Family::Grief, 0.5),
    ("condolences", Family::Sympathy, 0.25), ("rest in peace", Family::Sympathy, 0.25),
    ("tragic", Family::Grief, 0.8), ("tragedy", Family::Grief, 0.8),
    ("miss him", Family::Grief, 0.7), ("miss her", Family::Grief, 0.7),
    ("miss you", Family::Grief, 0.5), ("miss them", Family::Grief, 0.6),
    ("i miss", Family::Grief, 0.6), ("want to die", Family::Crisis, 1.0),
    ("wanna die", Family::Crisis, 1.0), ("sorry for your loss", Family::Sympathy, 0.25),
    ("sorry to hear", Family::Sympathy, 0.25), ("heart goes out", Family::Sympathy, 0.25),
    // fear and nervousness
    ("afraid", Family::Fear, 0.8), ("scared", Family::Fear, 0.9), ("scary", Family::Fear, 0.7),
    ("scare", Family::Fear, 0.7), ("scares", Family::Fear, 0.8), ("scaring", Family::Fear, 0.7),
    ("nightmares", Family::Fear, 0.8), ("horrific", Family::Fear, 0.7),
    ("terrify", Family::Fear, 0.9), ("terrifies", Family::Fear, 0.9),
    ("frighten", Family::Fear, 0.8), ("frightens", Family::Fear, 0.8),
    ("nerves", Family::Fear, 0.6), ("anxiously", Family::Fear, 0.8),
    ("worrisome", Family::Fear, 0.7), ("alarming", Family::Fear, 0.6),
    ("terrified", Family::Fear, 1.0), ("terrifying", Family::Fear, 0.9),
    ("frightened", Family::Fear, 0.9), ("frightening", Family::Fear, 0.8),
    ("fear", Family::Fear, 0.8), ("fears", Family::Fear, 0.7), ("feared", Family::Fear, 0.7),
    ("worried", Family::Fear, 0.8), ("worry", Family::Fear, 0.6),
    ("worrying", Family::Fear, 0.7), ("worries", Family::Fear, 0.6),
    ("anxious", Family::Fear, 0.9), ("anxiety", Family::Fear, 0.9),
    ("nervous", Family::Fear, 0.9), ("nervously", Family::Fear, 0.8),
    ("panic", Family::Fear, 1.0), ("panicking", Family::Fear, 1.0),
    ("panicked", Family::Fear, 1.0), ("dread", Family::Fear, 0.8),
    ("dreading", Family::Fear, 0.8), ("nightmare", Family::Fear, 0.8),
    ("unsafe", Family::Fear, 0.8), ("threatened", Family::Fear, 0.8),
    ("threatening", Family::Fear, 0.7), ("stalking", Family::Fear, 0.9),
    ("abuse", Family::Fear, 0.8), ("abusive", Family::Fear, 0.8),
    ("creepy", Family::Fear, 0.6), ("horrifying", Family::Fear, 0.8),
    ("horrified", Family::Fear, 0.8), ("freaking out", Family::Fear, 0.9),
    ("freaked out", Family::Fear, 0.9), ("shaking", Family::Fear, 0.6),
    ("stressed", Family::Fear, 0.8), ("stress", Family::Fear, 0.6),
    ("stressful", Family::Fear, 0.7), ("concerned", Family::Fear, 0.5),
    ("uneasy", Family::Fear, 0.7), ("tense", Family::Fear, 0.5), ("paranoid", Family::Fear, 0.7),
    ("phobia", Family::Fear, 0.7), ("danger", Family::Fear, 0.7),
    ("dangerous", Family::Fear, 0.6), ("hacked", Family::Fear, 0.6),
    ("stolen", Family::Fear, 0.5), ("fraud", Family::Fear, 0.5),
    ("scam", Family::Fear, 0.5), ("scammed", Family::Fear, 0.7),
    ("what if", Family::Fear, 0.4), ("yikes", Family::Fear, 0.5),
    ("omg", Family::Fear, 0.2), ("eek", Family::Fear, 0.5),
    // desperation
    ("desperate", Family::Desperation, 1.0), ("desperately", Family::Desperation, 1.0),
    ("desperation", Family::Desperation, 1.0), ("helpless", Family::Desperation, 0.9),
    ("hopeless", Family::Desperation, 1.0), ("begging", Family::Desperation, 0.9),
    ("beg", Family::Desperation, 0.7), ("please help", Family::Desperation, 0.6),
    ("help me", Family::Desperation, 0.4), ("emergency", Family::Desperation, 0.7),
    ("urgent", Family::Desperation, 0.5), ("urgently", Family::Desperation, 0.5),
    ("can't cope", Family::Desperation, 1.0), ("cannot cope", Family::Desperation, 1.0),
    ("breaking down", Family::Desperation, 0.9), ("crying", Family::Desperation, 0.9),
    ("cry", Family::Desperation, 0.7), ("cried", Family::Desperation, 0.8),
    ("tears", Family::Desperation, 0.7), ("sobbing", Family::Desperation, 0.9),
    ("devastated", Family::Desperation, 1.0), ("overwhelmed", Family::Desperation, 0.8),
    ("exhausted", Family::Desperation, 0.6), ("give up", Family::Desperation, 0.6),
    ("last resort", Family::Desperation, 0.8), ("stranded", Family::Desperation, 0.8),
    ("stuck", Family::Desperation, 0.4), ("trapped", Family::Desperation, 0.8),
    ("at my wits end", Family::Desperation, 1.0), ("end of my rope", Family::Desperation, 1.0),
    ("can't take", Family::Desperation, 0.6), ("can't handle", Family::Desperation, 0.6),
    ("falling apart", Family::Desperation, 0.9), ("suffering", Family::Desperation, 0.8),
    ("suffer", Family::Desperation, 0.6), ("struggling", Family::Desperation, 0.7),
    ("struggle", Family::Desperation, 0.5), ("ruined", Family::Desperation, 0.7),
    // sadness
    ("sad", Family::Sadness, 0.9), ("sadly", Family::Sadness, 0.7),
    ("sadness", Family::Sadness, 1.0), ("saddened", Family::Sadness, 0.9),
    ("saddest", Family::Sadness, 0.9), ("depressed", Family::Sadness, 1.0),
    ("depressing", Family::Sadness, 0.9), ("depression", Family::Sadness, 0.9),
    ("heartbroken", Family::Sadness, 1.0), ("heartbreaking", Family::Sadness, 1.0),
    ("broke my heart", Family::Sadness, 1.0), ("miserable", Family::Sadness, 0.9),
    ("lonely", Family::Sadness, 0.9), ("alone", Family::Sadness, 0.5),
    ("hurt", Family::Sadness, 0.6), ("hurts", Family::Sadness, 0.7),
    ("hurting", Family::Sadness, 0.8), ("pain", Family::Sadness, 0.6),
    ("painful", Family::Sadness, 0.7), ("upset", Family::Sadness, 0.7),
    ("unhappy", Family::Sadness, 0.8), ("sorrow", Family::Sadness, 1.0),
    ("gloomy", Family::Sadness, 0.7), ("disappointed", Family::Sadness, 0.5),
    ("regret", Family::Sadness, 0.5),
    ("sorry for your", Family::Sympathy, 0.25), ("so sorry", Family::Sympathy, 0.25),
    ("feel bad", Family::Sadness, 0.7), ("feel terrible", Family::Sadness, 0.8),
    ("feel awful", Family::Sadness, 0.8), ("feel horrible", Family::Sadness, 0.8),
    ("feel like crap", Family::Sadness, 0.7), ("feel like shit", Family::Sadness, 0.7),
    ("unloved", Family::Sadness, 0.9), ("worthless", Family::Sadness, 0.9),
    ("crushed", Family::Sadness, 0.7), ("grim", Family::Sadness, 0.5),
    ("bleak", Family::Sadness, 0.6), ("cries", Family::Desperation, 0.7),
    // bad situations, weaker evidence: they also describe things (`a terrible pun`)
    ("unfortunately", Family::Sadness, 0.5), ("unfortunate", Family::Sadness, 0.5),
    ("disappointing", Family::Sadness, 0.4), ("poor", Family::Sadness, 0.4),
    ("empty", Family::Sadness, 0.4), ("rough", Family::Sadness, 0.4),
    ("tough", Family::Sadness, 0.25), ("terrible", Family::Sadness, 0.5),
    ("awful", Family::Sadness, 0.5), ("horrible", Family::Sadness, 0.5),
    ("worst", Family::Sadness, 0.4), ("sucks", Family::Sadness, 0.4),
    ("cryin", Family::Desperation, 0.8), ("heartbreak", Family::Sadness, 1.0),
    ("broken heart", Family::Sadness, 1.0), ("depressingly", Family::Sadness, 0.7),
    ("sadder", Family::Sadness, 0.9),
    ("☹", Family::Sadness, 0.8), ("😭", Family::Sadness, 0.8), ("😢", Family::Sadness, 0.8),
    ("😞", Family::Sadness, 0.7), ("😔", Family::Sadness, 0.7), ("💔", Family::Sadness, 0.9),
    ("😨", Family::Fear, 0.8), ("😰", Family::Fear, 0.8), ("😱", Family::Fear, 0.8),
    ("😟", Family::Fear, 0.7), ("😥", Family::Sadness, 0.7),
    // thoughts of suicide or self-harm (common warning-sign wording)
    ("better off without me", Family::Crisis, 1.0), ("end it all", Family::Crisis, 1.0),
    ("end my life", Family::Crisis, 1.0), ("take my own life", Family::Crisis, 1.0),
    ("no reason to live", Family::Crisis, 1.0), ("hurt myself", Family::Crisis, 1.0),
    ("self harm", Family::Crisis, 1.0), ("harm myself", Family::Crisis, 1.0),
    ("don't want to live", Family::Crisis, 1.0), ("dont want to live", Family::Crisis, 1.0),
    ("don't want to be here anymore", Family::Crisis, 1.0),
    ("dont want to be here anymore", Family::Crisis, 1.0),
    // grief, sadness and loneliness (more of the same families)
    ("mourn", Family::Grief, 0.9), ("mourned", Family::Grief, 0.9),
    ("grieve", Family::Grief, 1.0), ("grieved", Family::Grief, 0.9),
    ("deceased", Family::Grief, 0.7), ("my late", Family::Grief, 0.8),
    ("widowed", Family::Grief, 0.9), ("stillborn", Family::Grief, 1.0),
    ("terminally", Family::Grief, 0.9), ("cremation", Family::Grief, 0.8),
    ("obituary", Family::Grief, 0.7), ("lost him", Family::Grief, 0.8),
    ("lost her", Family::Grief, 0.8), ("put down", Family::Grief, 0.2),
    ("heartache", Family::Sadness, 1.0), ("despair", Family::Sadness, 1.0),
    ("despondent", Family::Sadness, 1.0), ("distraught", Family::Sadness, 1.0),
    ("inconsolable", Family::Sadness, 1.0), ("dejected", Family::Sadness, 0.9),
    ("downhearted", Family::Sadness, 0.9), ("melancholy", Family::Sadness, 0.8),
    ("sorrowful", Family::Sadness, 1.0), ("mournful", Family::Sadness, 0.9),
    ("forlorn", Family::Sadness, 0.9), ("wretched", Family::Sadness, 0.8),
    ("weep", Family::Desperation, 0.9), ("weeping", Family::Desperation, 0.9),
    ("wept", Family::Desperation, 0.9), ("tearful", Family::Desperation, 0.9),
    ("teary", Family::Desperation, 0.8), ("sob", Family::Desperation, 0.8),
    ("sobbed", Family::Desperation, 0.9), ("loneliness", Family::Sadness, 0.9),
    ("isolated", Family::Sadness, 0.6), ("abandoned", Family::Sadness, 0.7),
    ("rejected", Family::Sadness, 0.6), ("unwanted", Family::Sadness, 0.7),
    ("left out", Family::Sadness, 0.6), ("no one cares", Family::Sadness, 0.9),
    ("nobody cares", Family::Sadness, 0.9), ("no one loves", Family::Sadness, 1.0),
    ("nobody loves", Family::Sadness, 1.0), ("no friends", Family::Sadness, 0.8),
    ("gutted", Family::Sadness, 0.8), ("shattered", Family::Sadness, 0.7),
    ("numb", Family::Sadness, 0.6), ("hopelessness", Family::Sadness, 1.0),
    ("bad day", Family::Sadness, 0.6), ("hard time", Family::Sadness, 0.6),
    ("rough time", Family::Sadness, 0.6), ("tough time", Family::Sadness, 0.6),
    ("hard times", Family::Sadness, 0.6), ("bad times", Family::Sadness, 0.5),
    ("rough day", Family::Sadness, 0.6), ("terrible day", Family::Sadness, 0.7),
    ("worst day", Family::Sadness, 0.7), ("burned out", Family::Desperation, 0.7),
    ("burnt out", Family::Desperation, 0.7), ("burnout", Family::Desperation, 0.6),
    ("missing you", Family::Grief, 0.6), ("homesick", Family::Sadness, 0.8),
    ("heavy heart", Family::Sadness, 1.0), ("ache", Family::Sadness, 0.5),
    ("aching", Family::Sadness, 0.6), ("ashamed", Family::Sadness, 0.6),
    ("guilty", Family::Sadness, 0.4), ("regrets", Family::Sadness, 0.5),
    ("regretting", Family::Sadness, 0.5), ("disappointment", Family::Sadness, 0.4),
    ("lonesome", Family::Sadness, 0.9), ("sorrows", Family::Sadness, 1.0),
    // fear and nervousness (more)
    ("petrified", Family::Fear, 1.0), ("alarmed", Family::Fear, 0.7),
    ("apprehensive", Family::Fear, 0.8), ("jittery", Family::Fear, 0.8),
    ("jumpy", Family::Fear, 0.6), ("on edge", Family::Fear, 0.7),
    ("shaky", Family::Fear, 0.6), ("trembling", Family::Fear, 0.8),
    ("tremble", Family::Fear, 0.7), ("fearful", Family::Fear, 0.9),
    ("dreadful", Family::Fear, 0.6), ("horror", Family::Fear, 0.6),
    ("intimidated", Family::Fear, 0.8), ("intimidating", Family::Fear, 0.6),
    ("threat", Family::Fear, 0.6), ("threats", Family::Fear, 0.6),
    ("violence", Family::Fear, 0.6), ("violent", Family::Fear, 0.6),
    ("spooked", Family::Fear, 0.7), ("spooky", Family::Fear, 0.4),
    ("creeped out", Family::Fear, 0.8), ("shudder", Family::Fear, 0.6),
    ("insecure", Family::Fear, 0.6), ("vulnerable", Family::Fear, 0.6),
    ("unsettling", Family::Fear, 0.7), ("unsettled", Family::Fear, 0.7),
    ("disturbing", Family::Fear, 0.6), ("disturbed", Family::Fear, 0.6),
    ("traumatized", Family::Fear, 1.0), ("traumatised", Family::Fear, 1.0),
    ("trauma", Family::Fear, 0.8), ("traumatic", Family::Fear, 0.9),
    ("ptsd", Family::Fear, 0.8), ("panic attack", Family::Fear, 1.0),
    ("worried sick", Family::Fear, 1.0), ("can't sleep", Family::Fear, 0.7),
    ("cant sleep", Family::Fear, 0.7), ("insomnia", Family::Fear, 0.6),
    ("risky", Family::Fear, 0.4), ("riskier", Family::Fear, 0.4),
    ("nervousness", Family::Fear, 0.9), ("anxieties", Family::Fear, 0.9),
    ("restless", Family::Fear, 0.5), ("overthinking", Family::Fear, 0.6),
    ("scarier", Family::Fear, 0.7), ("scariest", Family::Fear, 0.8),
    ("hysterical", Family::Fear, 0.7), ("fretting", Family::Fear, 0.8),
    ("fret", Family::Fear, 0.6), ("concerning", Family::Fear, 0.5),
    ("worriedly", Family::Fear, 0.8), ("anxiousness", Family::Fear, 0.9),
    // desperation (more)
    ("can't go on", Family::Desperation, 1.0), ("cant cope", Family::Desperation, 1.0),
    ("don't know what to do", Family::Desperation, 0.8),
    ("dont know what to do", Family::Desperation, 0.8),
    ("out of options", Family::Desperation, 0.8), ("nowhere to turn", Family::Desperation, 0.9),
    ("no way out", Family::Desperation, 0.9), ("exhausting", Family::Desperation, 0.5),
    ("drained", Family::Desperation, 0.6), ("worn out", Family::Desperation, 0.5),
    ("breakdown", Family::Desperation, 0.8), ("unbearable", Family::Desperation, 0.9),
    ("agony", Family::Desperation, 0.9), ("agonizing", Family::Desperation, 0.8),
    ("tormented", Family::Desperation, 0.9), ("crisis", Family::Desperation, 0.6),
    ("helplessness", Family::Desperation, 0.9), ("powerless", Family::Desperation, 0.7),
    // money
    ("can't afford", Family::Money, 1.0), ("cannot afford", Family::Money, 1.0),
    ("cant afford", Family::Money, 1.0), ("afford", Family::Money, 0.4),
    ("bankrupt", Family::Money, 1.0), ("bankruptcy", Family::Money, 1.0),
    ("evicted", Family::Money, 1.0), ("eviction", Family::Money, 1.0),
    ("homeless", Family::Money, 1.0), ("overdrawn", Family::Money, 0.7),
    ("overdraft", Family::Money, 0.5), ("debt", Family::Money, 0.6),
    ("unemployed", Family::Money, 0.8), ("lost my job", Family::Money, 1.0),
    ("laid off", Family::Money, 0.9), ("no money", Family::Money, 0.9),
    ("starving", Family::Money, 0.8), ("broke", Family::Money, 0.6),
    ("rent", Family::Money, 0.2), ("bills", Family::Money, 0.2),
    ("my savings", Family::Money, 0.5), ("all my money", Family::Money, 0.8),
    ("paycheck", Family::Money, 0.2), ("foreclosure", Family::Money, 1.0),
    ("behind on", Family::Money, 0.6),
    ("poverty", Family::Money, 0.8), ("in debt", Family::Money, 0.8),
    ("debts", Family::Money, 0.6), ("repossessed", Family::Money, 1.0),
    ("food bank", Family::Money, 0.8), ("jobless", Family::Money, 0.8),
    ("lose my job", Family::Money, 0.9), ("lose my home", Family::Money, 1.0),
    // illness
    ("sick", Family::Illness, 0.6), ("ill", Family::Illness, 0.5),
    ("illness", Family::Illness, 0.8), ("hospital", Family::Illness, 0.7),
    ("hospitalized", Family::Illness, 0.9), ("hospitalised", Family::Illness, 0.9),
    ("cancer", Family::Illness, 1.0), ("chemo", Family::Illness, 1.0),
    ("surgery", Family::Illness, 0.7), ("disabled", Family::Illness, 0.6),
    ("disability", Family::Illness, 0.6), ("chronic", Family::Illness, 0.6),
    ("diagnosed", Family::Illness, 0.7), ("terminal", Family::Illness, 0.6),
    ("medication", Family::Illness, 0.5), ("insulin", Family::Illness, 0.7),
    ("ambulance", Family::Illness, 0.9), ("injured", Family::Illness, 0.8),
    ("injury", Family::Illness, 0.7), ("accident", Family::Illness, 0.6),
    ("pregnant", Family::Illness, 0.2),
    ("sickness", Family::Illness, 0.7), ("disease", Family::Illness, 0.6),
    ("diagnosis", Family::Illness, 0.7), ("tumor", Family::Illness, 1.0),
    ("tumour", Family::Illness, 1.0), ("heart attack", Family::Illness, 0.9),
    ("seizure", Family::Illness, 0.8), ("icu", Family::Illness, 1.0),
    ("intensive care", Family::Illness, 1.0), ("emergency room", Family::Illness, 0.9),
    ("migraine", Family::Illness, 0.6), ("infection", Family::Illness, 0.6),
    ("paralyzed", Family::Illness, 0.8), ("paralysed", Family::Illness, 0.8),
    // anger (weak evidence of distress)
    ("furious", Family::Anger, 0.5), ("outraged", Family::Anger, 0.5),
    ("livid", Family::Anger, 0.5), ("unacceptable", Family::Anger, 0.2),
    ("disgusting", Family::Anger, 0.2), ("hate", Family::Anger, 0.2),
];

/// What the automaton knows about one pattern.
#[derive(Clone, Copy, Debug, Default)]
pub struct Info {
    pub roles: u32,
    pub distress: Option<(Family, f64)>,
    pub kind: Kind,
    /// Number of words of the pattern.
    pub len: u8,
}

const DEATH_WORDS: &[&str] = &["died", "dead", "dying", "death", "dies", "die"];
const STATE_WORDS: &[&str] = &["sick", "ill", "broke"];

pub struct Lexicon {
    automaton: Option<AhoCorasick>,
    infos: Vec<Info>,
}

pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(build);

fn build() -> Lexicon {
    let mut map: FxMap<&'static str, Info> = FxMap::default();
    let mut order: Vec<&'static str> = Vec::new();
    let mut add = |word: &'static str, roles: u32, distress: Option<(Family, f64)>| {
        let info = map.entry(word).or_insert_with(|| {
            order.push(word);
            Info::default()
        });
        info.roles |= roles;
        if distress.is_some() {
            info.distress = distress;
        }
    };
    let lists: &[(&[&'static str], u32)] = &[
        (PERSON_NOUNS, PERSON),
        (PERSON_WEAK_NOUNS, PERSON_WEAK),
        (CONTACT_VERBS, CONTACT),
        (WANT_VERBS, WANT),
        (NEGATORS, NEGATOR),
        (CHAIN_WORDS, CHAIN),
        (POSSESSIVES, POSSESSIVE),
        (NOT_PERSON_BEFORE_WORDS, NOT_PERSON_BEFORE),
        (NOT_PERSON_AFTER_WORDS, NOT_PERSON_AFTER),
        (BRIDGE_WORDS, BRIDGE),
        (FILLER_WORDS, FILLER),
        (AVOID_WORDS, AVOID),
        (MANNER_WORDS, MANNER),
        (DISTRESS_NEGATORS, DISTRESS_NEGATOR),
        (FIRST_PERSON_WORDS, FIRST_PERSON),
        (FEEL_WORDS, FEEL),
        (SELF_COPULAS, SELF_COPULA),
        (COPULAS, COPULA),
        (CAUSE_WORDS, CAUSE),
        (OBJECT_WORDS, OBJECT),
        (DEAD_FIGURES, DEAD_FIGURE),
        (BEINGS, BEING),
        (DEMONSTRATIVES, DEMONSTRATIVE),
    ];
    for (words, r) in lists {
        for w in *words {
            add(w, *r, None);
        }
    }
    for &(phrase, family, weight) in DISTRESS {
        add(phrase, 0, Some((family, weight)));
    }
    let kind_of = |w: &str| {
        if DEATH_WORDS.contains(&w) {
            Kind::Death
        } else if STATE_WORDS.contains(&w) {
            Kind::State
        } else {
            Kind::Plain
        }
    };
    let infos: Vec<Info> = order
        .iter()
        .map(|w| Info {
            kind: kind_of(w),
            len: u8::try_from(w.split(' ').count()).unwrap_or(u8::MAX),
            ..map.get(w).copied().unwrap_or_default()
        })
        .collect();
    // A contiguous NFA: built several times faster than a DFA (whose construction was most of
    // a one-shot `handoff eval`), at a small cost per search.
    // Each pattern starts with a space, as each word of the normalised text does, so a match
    // can only begin at a word start (far fewer in-word hits than bare patterns).
    let spaced: Vec<String> = order.iter().map(|w| format!(" {w}")).collect();
    let automaton = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&spaced)
        .ok();
    Lexicon { automaton, infos }
}

/// The lexicon hits of one normalised text.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    /// Role flags of each word.
    pub roles: Vec<u32>,
    /// Distress phrases, in text order, the longest first among those starting at one word.
    pub distress: Vec<DistressHit>,
}

/// One distress phrase found in a text.
#[derive(Clone, Copy, Debug)]
pub struct DistressHit {
    /// Index of its first word.
    pub word: usize,
    pub family: Family,
    pub weight: f64,
    pub kind: Kind,
    /// Number of words.
    pub len: u8,
}

impl Lexicon {
    /// One automaton pass over the normalised text; only whole-word matches count.
    pub fn scan(&self, norm: &Normalized) -> Hits {
        let mut hits = Hits::default();
        self.scan_into(norm, &mut hits);
        hits
    }

    /// [`Lexicon::scan`] into `hits`, reusing its buffers.
    pub fn scan_into(&self, norm: &Normalized, hits: &mut Hits) {
        hits.roles.clear();
        hits.roles.resize(norm.words.len(), 0);
        hits.distress.clear();
        let Some(ac) = &self.automaton else {
            return;
        };
        // every word follows a space in `text`, and every pattern starts with one
        let bytes = norm.text.as_bytes();
        for m in ac.find_overlapping_iter(norm.text.as_str()) {
            let (s, e) = (m.start() + 1, m.end());
            if !(e == bytes.len() || bytes.get(e) == Some(&b' ')) {
                continue;
            }
            let Some(i) = norm.word_at(s) else { continue };
            let Some(info) = self.infos.get(m.pattern().as_usize()) else {
                continue;
            };
            if info.roles != 0
                && let Some(r) = hits.roles.get_mut(i)
            {
                *r |= info.roles;
            }
            if let Some((family, weight)) = info.distress {
                hits.distress.push(DistressHit {
                    word: i,
                    family,
                    weight,
                    kind: info.kind,
                    len: info.len,
                });
            }
        }
        // text order, the longest phrase first at each word
        if hits.distress.len() > 1 {
            hits.distress
                .sort_unstable_by_key(|h| (h.word, std::cmp::Reverse(h.len)));
        }
    }
}

/// The person nouns and contact verbs, for fuzzy matching of misspellings.
pub fn fuzzy_targets() -> (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
) {
    (PERSON_NOUNS, PERSON_WEAK_NOUNS, CONTACT_VERBS)
}
