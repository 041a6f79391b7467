/// Small word lists per language; see `docs/visibility-score.md`. Every word weighs 1.
/// Entries are folded (lower case, no diacritics) so they compare with folded text.
struct SentimentLexicon: Sendable {
    let positive: Set<String>
    let negative: Set<String>
    /// A negator flips the first sentiment word among the three tokens after it.
    let negators: Set<String>
    /// Words that separate the clauses of a sentence comparing several brands.
    let contrasts: Set<String>

    static func forLocale(_ locale: String?) -> SentimentLexicon? {
        let language = (locale ?? "en").lowercased().prefix { $0 != "-" && $0 != "_" }
        switch language {
        case "en": return english
        case "fr": return french
        case "de": return german
        case "es": return spanish
        default: return nil
        }
    }

    static let english = SentimentLexicon(
        positive: [
            "best", "great", "excellent", "recommended", "recommend", "reliable", "popular", "leading",
            "top", "powerful", "intuitive", "easy", "user-friendly", "affordable", "robust", "fast",
            "trusted", "favorite", "favourite", "ideal", "strong", "impressive", "outstanding", "love",
            "loved", "solid", "seamless", "standout", "well-regarded", "good", "secure", "flexible",
        ],
        negative: [
            "worst", "bad", "poor", "expensive", "overpriced", "slow", "buggy", "unreliable", "clunky",
            "complicated", "confusing", "outdated", "limited", "lacks", "lacking", "avoid", "disappointing",
            "frustrating", "weak", "problematic", "difficult", "steep", "costly", "issues", "complaints",
            "insecure", "breach", "breaches", "downtime", "mediocre", "hard",
        ],
        negators: [
            "not", "no", "never", "none", "nor", "hardly", "without", "isn't", "aren't", "wasn't",
            "weren't", "don't", "doesn't", "didn't", "won't", "can't", "cannot", "wouldn't", "shouldn't",
        ],
        contrasts: ["but", "while", "whereas", "however", "although", "though", "unlike"])

    static let french = SentimentLexicon(
        positive: [
            "meilleur", "meilleure", "excellent", "excellente", "recommande", "recommandee", "fiable",
            "populaire", "puissant", "puissante", "intuitif", "intuitive", "simple", "abordable", "rapide",
            "ideal", "ideale", "bon", "bonne", "solide", "efficace", "leader",
        ],
        negative: [
            "pire", "mauvais", "mauvaise", "cher", "chere", "couteux", "couteuse", "lent", "lente",
            "complique", "compliquee", "limite", "limitee", "decevant", "decevante", "eviter", "difficile",
            "obsolete", "problemes",
        ],
        negators: ["ne", "pas", "jamais", "aucun", "aucune", "sans", "ni"],
        contrasts: ["mais", "alors", "tandis", "cependant", "contrairement"])

    static let german = SentimentLexicon(
        positive: [
            "beste", "besten", "bester", "hervorragend", "empfehlenswert", "empfohlen", "zuverlassig",
            "beliebt", "beliebte", "leistungsstark", "intuitiv", "einfach", "gunstig", "schnell", "ideal",
            "gut", "gute", "guter", "stark", "solide", "sicher",
        ],
        negative: [
            "schlecht", "schlechte", "teuer", "langsam", "kompliziert", "unzuverlassig", "veraltet",
            "eingeschrankt", "enttauschend", "schwach", "schwierig", "probleme", "vermeiden",
        ],
        negators: ["nicht", "kein", "keine", "keinen", "nie", "niemals", "ohne"],
        contrasts: ["aber", "wahrend", "jedoch", "obwohl"])

    static let spanish = SentimentLexicon(
        positive: [
            "mejor", "excelente", "recomendado", "recomendada", "recomendable", "fiable", "confiable",
            "popular", "potente", "intuitivo", "intuitiva", "facil", "asequible", "rapido", "rapida",
            "ideal", "bueno", "buena", "solido", "solida", "lider",
        ],
        negative: [
            "peor", "malo", "mala", "caro", "cara", "costoso", "costosa", "lento", "lenta", "complicado",
            "complicada", "limitado", "limitada", "decepcionante", "evitar", "dificil", "obsoleto", "problemas",
        ],
        negators: ["no", "nunca", "jamas", "sin", "ni", "tampoco"],
        contrasts: ["pero", "mientras", "aunque"])
}
