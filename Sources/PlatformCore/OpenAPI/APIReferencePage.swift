import Foundation

/// `/docs`: the OpenAPI document as one readable page, our own HTML and CSS (nothing fetched).
public enum APIReferencePage {
    public static func render(_ document: JSONValue) -> String {
        let paths = document["paths"]?.objectValue ?? [:]
        var byTag: [String: [(path: String, method: String, operation: JSONValue)]] = [:]
        for (path, methods) in paths {
            for (method, operation) in methods.objectValue ?? [:] {
                let tag = operation["tags"]?[0]?.stringValue ?? "other"
                byTag[tag, default: []].append((path, method, operation))
            }
        }
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(document["info"]?["title"]?.stringValue ?? "API"))</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
            h2{border-bottom:1px solid #ddd;padding-bottom:.25rem;margin-top:2.5rem}
            details{border:1px solid #e3e3e3;border-radius:6px;margin:.5rem 0;padding:.25rem .75rem}
            summary{cursor:pointer}
            .m{display:inline-block;min-width:4.5rem;font-weight:600;font-family:ui-monospace,monospace}
            .get{color:#0a7}.post{color:#06c}.patch{color:#b60}.delete{color:#c22}.put{color:#85c}
            code,pre{font-family:ui-monospace,monospace;font-size:13px}
            pre{background:#f6f6f6;padding:.5rem;overflow:auto;border-radius:4px}
            .access{color:#666}
            </style></head><body>
            <h1>\(escape(document["info"]?["title"]?.stringValue ?? "API"))</h1>
            <p>\(escape(document["info"]?["description"]?.stringValue ?? ""))</p>
            <p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
            """
        for tag in byTag.keys.sorted() {
            html += "<h2 id=\"\(escape(tag))\">\(escape(tag))</h2>"
            for entry in byTag[tag]!.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) }) {
                html += operation(entry.path, entry.method, entry.operation)
            }
        }
        html += "<h2 id=\"schemas\">Schemas</h2>"
        let schemas = document["components"]?["schemas"]?.objectValue ?? [:]
        for name in schemas.keys.sorted() {
            html += "<details id=\"schema-\(escape(name))\"><summary><code>\(escape(name))</code></summary><pre>\(escape(pretty(schemas[name]!)))</pre></details>"
        }
        return html + "</body></html>\n"
    }

    private static func operation(_ path: String, _ method: String, _ operation: JSONValue) -> String {
        var html = "<details><summary><span class=\"m \(method)\">\(method.uppercased())</span> <code>\(escape(path))</code> — "
        html += escape(operation["summary"]?.stringValue ?? "") + "</summary>"
        html += "<p class=\"access\">\(escape(operation["description"]?.stringValue ?? ""))</p>"
        if let parameters = operation["parameters"]?.arrayValue, !parameters.isEmpty {
            html += "<p><b>Parameters</b></p><ul>"
            for parameter in parameters {
                let required = parameter["required"]?.boolValue == true ? " (required)" : ""
                html += "<li><code>\(escape(parameter["name"]?.stringValue ?? ""))</code> in \(escape(parameter["in"]?.stringValue ?? ""))\(required)"
                if let description = parameter["description"]?.stringValue { html += ": \(escape(description))" }
                html += "</li>"
            }
            html += "</ul>"
        }
        if let body = operation["requestBody"]?["content"]?["application/json"] {
            html += "<p><b>Body</b></p><pre>\(escape(pretty(body["schema"] ?? [:])))</pre>"
            if let example = body["example"] { html += "<p>Example</p><pre>\(escape(pretty(example)))</pre>" }
        }
        html += "<p><b>Responses</b></p><ul>"
        for (status, response) in (operation["responses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            html += "<li><code>\(escape(status))</code> \(escape(response["description"]?.stringValue ?? ""))"
            if let schema = response["content"]?["application/json"]?["schema"], status.hasPrefix("2") {
                html += "<pre>\(escape(pretty(schema)))</pre>"
            }
            html += "</li>"
        }
        return html + "</ul></details>"
    }

    private static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? ""
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
