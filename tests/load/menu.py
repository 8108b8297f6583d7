"""What a load-test session reads in the pages (no locust here: the tests import it without gevent's
monkey-patching): the navigation bar's links and the login form's CSRF token."""

from html.parser import HTMLParser


class _MenuParser(HTMLParser):
    """The links of the main navigation bar (``#menu-principal``'s first list), in their order."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.depth = 0  # depth of <ul> inside the menu's list; 0: outside
        self.done = False
        self.csrf_token = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken":
            self.csrf_token = attributes.get("value") or ""
        if self.done:
            return
        classes = (attributes.get("class") or "").split()
        if tag == "ul" and (self.depth or {"navbar-nav", "me-auto"} <= set(classes)):
            self.depth += 1
        elif tag == "a" and self.depth:
            href = attributes.get("href") or ""
            if href.startswith("/"):
                self.links.append(href.split("#")[0])

    def handle_endtag(self, tag):
        if tag == "ul" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0


def menu_links(html: str) -> list[str]:
    """The menu's addresses (without their section), each once, in the menu's order."""
    parser = _MenuParser()
    parser.feed(html)
    return list(dict.fromkeys(parser.links))


def csrf_token(html: str) -> str:
    parser = _MenuParser()
    parser.feed(html)
    return parser.csrf_token
