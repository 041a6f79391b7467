/// Scores the sentences that mention the brand with a `SentimentLexicon`.
/// score = (P − N) / (P + N + 1), P and N being positive and negative hits after negation.
struct SentimentScorer {
    struct Result {
        let sentiment: Sentiment
        let score: Double
    }

    static let positiveThreshold = 0.25

    let lexicon: SentimentLexicon

    func score(
        _ text: FoldedText, brandMentions: [MentionMatcher.Mention], allMentions: [MentionMatcher.Mention]
    ) -> Result {
        var positive = 0
        var negative = 0
        var scoredSentenceStarts = Set<Int>()
        for mention in brandMentions {
            let sentence = Self.sentenceRange(in: text.scalars, around: mention)
            guard scoredSentenceStarts.insert(sentence.lowerBound).inserted else { continue }
            let (sentencePositive, sentenceNegative) = scoreSentence(text, sentence, brandMentions, allMentions)
            positive += sentencePositive
            negative += sentenceNegative
        }
        let raw = Double(positive - negative) / Double(positive + negative + 1)
        let score = (raw * 1000).rounded() / 1000
        let sentiment: Sentiment =
            score >= Self.positiveThreshold ? .positive : (score <= -Self.positiveThreshold ? .negative : .neutral)
        return Result(sentiment: sentiment, score: score)
    }

    private struct Token {
        let word: String
        let clause: Int
        /// Negation does not reach across `, ; :` ("Don't worry, it's great").
        let scope: Int
    }

    private func scoreSentence(
        _ text: FoldedText, _ sentence: Range<Int>, _ brandMentions: [MentionMatcher.Mention],
        _ allMentions: [MentionMatcher.Mention]
    ) -> (Int, Int) {
        let mentionsInSentence = allMentions.filter { sentence.contains($0.start) }
        let brandIndex = brandMentions.first?.brandIndex ?? 0
        let comparesBrands = mentionsInSentence.contains { $0.brandIndex != brandIndex }
        var brandClauses = Set<Int>()
        var tokens: [Token] = []
        var clause = 0
        var scope = 0
        var index = sentence.lowerBound
        var mentionCursor = 0
        let scalars = text.scalars
        while index < sentence.upperBound {
            if mentionCursor < mentionsInSentence.count, mentionsInSentence[mentionCursor].start == index {
                let mention = mentionsInSentence[mentionCursor]
                if mention.brandIndex == brandIndex { brandClauses.insert(clause) }
                index = mention.end  // brand names never carry sentiment ("Best Buy")
                mentionCursor += 1
                continue
            }
            switch scalars[index] {
            case 0x3B: clause += 1; scope += 1  // ;
            case 0x2C, 0x3A, 0x2D: scope += 1  // , : and a free-standing dash
            default: break
            }
            guard TextFolding.isWordScalar(scalars[index]) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < sentence.upperBound {
                if TextFolding.isWordScalar(scalars[end]) {
                    end += 1
                } else if scalars[end] == 0x27 || scalars[end] == 0x2D, end + 1 < sentence.upperBound,
                    TextFolding.isWordScalar(scalars[end + 1])
                {
                    end += 2
                } else {
                    break
                }
            }
            let word = TextFolding.string(scalars[index..<end].lazy.compactMap(Unicode.Scalar.init))
            if lexicon.contrasts.contains(word) { clause += 1 }
            tokens.append(Token(word: word, clause: clause, scope: scope))
            index = end
        }
        var positive = 0
        var negative = 0
        var pendingNegator: Int?
        for (position, token) in tokens.enumerated() {
            if isNegator(token) {
                pendingNegator = position
                continue
            }
            var polarity = lexicon.positive.contains(token.word) ? 1 : (lexicon.negative.contains(token.word) ? -1 : 0)
            guard polarity != 0 else { continue }
            // A negator flips only the first sentiment word within three tokens in the same scope:
            // "not recommended and slow" is two negatives.
            if let negator = pendingNegator, position - negator <= 3, tokens[negator].scope == token.scope {
                polarity = -polarity
            }
            pendingNegator = nil
            if comparesBrands && !brandClauses.contains(token.clause) { continue }
            if polarity > 0 { positive += 1 } else { negative += 1 }
        }
        return (positive, negative)
    }

    private func isNegator(_ token: Token) -> Bool {
        lexicon.negators.contains(token.word) || token.word.hasSuffix("n't")
    }

    static func sentenceRange(in scalars: [UInt32], around mention: MentionMatcher.Mention) -> Range<Int> {
        var start = mention.start
        while start > 0, !isSentenceEnd(scalars, at: start - 1) { start -= 1 }
        var end = mention.end
        while end < scalars.count, !isSentenceEnd(scalars, at: end) { end += 1 }
        return start..<end
    }

    private static func isSentenceEnd(_ scalars: [UInt32], at index: Int) -> Bool {
        switch scalars[index] {
        case 0x0A, 0x3002, 0xFF01, 0xFF1F: return true
        case 0x2E, 0x21, 0x3F:  // . ! ? followed by whitespace or the end
            return index + 1 == scalars.count || scalars[index + 1] == 0x20 || scalars[index + 1] == 0x0A
        default: return false
        }
    }
}
