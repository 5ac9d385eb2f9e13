//! Rule texts (why it is dangerous, how to fix it) as HTML: tools write them in Markdown
//! (CodeQL's help pages, rampart's backticks), and any tool's upload can put anything in them,
//! so raw HTML in the source is shown as text, links keep only `http(s)` and in-page targets,
//! and images become links.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Whether a link target is safe to follow from the dashboard.
fn safe_url(url: &str) -> bool {
    let lower = url
        .trim_start()
        .get(..8)
        .unwrap_or(url)
        .to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || url.starts_with('#')
}

/// `text` (Markdown) as HTML safe to put in a page.
pub fn to_html<'a>(text: &'a str) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    // A link or an image (shown as a link) to `dest_url`, pointing nowhere unless it is safe.
    let link = |link_type, dest_url: CowStr<'a>, title, id| Tag::Link {
        link_type,
        dest_url: if safe_url(&dest_url) {
            dest_url
        } else {
            CowStr::Borrowed("#")
        },
        title,
        id,
    };
    let events = parser.map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        })
        | Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(link(link_type, dest_url, title, id)),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_becomes_html() {
        let h = to_html("Use `subprocess.run([...])` with a **list**.\n\n- one\n- two");
        assert!(h.contains("<code>subprocess.run([...])</code>"), "{h}");
        assert!(h.contains("<strong>list</strong>"), "{h}");
        assert!(h.contains("<li>one</li>"), "{h}");
    }

    #[test]
    fn raw_html_is_shown_as_text_and_unsafe_links_go_nowhere() {
        let h = to_html(
            "<script>alert(1)</script>\n\nx <img src=x onerror=alert(1)> [a](javascript:alert(1)) ![i](data:x)",
        );
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(!h.contains("data:x"), "{h}");
        assert!(h.contains(r##"<a href="#">a</a>"##), "{h}");
    }

    #[test]
    fn http_links_are_kept() {
        let h = to_html("See [CWE-78](https://cwe.mitre.org/data/definitions/78.html).");
        assert!(
            h.contains(r#"<a href="https://cwe.mitre.org/data/definitions/78.html">CWE-78</a>"#),
            "{h}"
        );
    }
}
