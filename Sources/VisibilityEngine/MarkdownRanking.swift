/// Finds the "ranked items" of a markdown answer: numbered list items (including
/// `### 1. Acme` and `**1. Acme**` headings) with their indented continuation lines, and
/// table rows. A brand first seen in a ranked item takes its rank from the item's order.
struct MarkdownRanking {
    private struct Region {
        let start: Int
        let end: Int
        let itemIndex: Int
    }

    private let regions: [Region]

    init(_ text: FoldedText) {
        let scalars = text.scalars
        var regions: [Region] = []
        var currentItem: Int?
        var itemCount = 0
        var lineStart = 0
        while lineStart < scalars.count {
            var lineEnd = lineStart
            while lineEnd < scalars.count, scalars[lineEnd] != 0x0A { lineEnd += 1 }
            switch Self.classify(scalars, from: lineStart, to: lineEnd) {
            case .rankedItem:
                currentItem = itemCount
                itemCount += 1
            case .continuation:
                break
            case .other:
                currentItem = nil
            }
            if let item = currentItem {
                regions.append(Region(start: lineStart, end: lineEnd, itemIndex: item))
            }
            lineStart = lineEnd + 1
        }
        self.regions = regions
    }

    /// The ranked item containing a folded offset, if any.
    func itemIndex(containing offset: Int) -> Int? {
        var low = 0
        var high = regions.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let region = regions[middle]
            if offset < region.start {
                high = middle - 1
            } else if offset >= region.end {
                low = middle + 1
            } else {
                return region.itemIndex
            }
        }
        return nil
    }

    private enum LineKind { case rankedItem, continuation, other }

    private static func classify(_ scalars: [UInt32], from start: Int, to end: Int) -> LineKind {
        guard start < end else { return .other }
        if scalars[start] == 0x20 { return .continuation }  // indented
        if scalars[start] == 0x7C { return .rankedItem }  // | table row
        var index = start
        while index < end, scalars[index] == 0x23 || scalars[index] == 0x2A || scalars[index] == 0x20 {
            index += 1  // heading hashes, bold markers
        }
        let digitsStart = index
        while index < end, scalars[index] >= 0x30, scalars[index] <= 0x39 { index += 1 }
        if index > digitsStart, index + 1 < end, scalars[index] == 0x2E || scalars[index] == 0x29,
            scalars[index + 1] == 0x20
        {
            return .rankedItem
        }
        switch scalars[start] {
        case 0x2D, 0x2A, 0x2B: return .continuation  // - * + bullets inside a numbered item
        default: return .other
        }
    }
}
