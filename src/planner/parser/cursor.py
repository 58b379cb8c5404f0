"""A cursor over one statement's tokens, for the hand-written parsers of DDL and commands.

Tokens come from ``FlinkDialect``'s tokenizer, so quoting and comments follow the query parser.
Every position is a character offset into the statement text; queries and expressions found
inside a statement are handed to sqlglot over a copy of the text with everything else blanked
out, so the positions sqlglot reports are the statement's own.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from flowsql.common.errors import SqlParseError
from flowsql.planner.parser.dialect import FlinkDialect
from flowsql.planner.parser.syntax_errors import from_sqlglot, reserved_word_hint, syntax_error

ObjectName = tuple[str, ...]

_NAME = re.compile(r"[A-Za-z_$][\w$]*\Z")
_NOT_NAMES = {TokenType.STRING, TokenType.NUMBER, TokenType.L_PAREN, TokenType.R_PAREN,
              TokenType.COMMA, TokenType.DOT, TokenType.SEMICOLON, TokenType.EQ}


def blank_outside(text: str, start: int, end: int) -> str:
    """``text`` with every character outside [start, end) but newlines turned into spaces."""
    def blank(part: str) -> str:
        return re.sub(r"[^\n]", " ", part)

    return blank(text[:start]) + text[start:end] + blank(text[end:])


def parse_sql(text: str, start: int = 0, end: int | None = None) -> exp.Expr:
    """Parse ``text[start:end]`` (one query or expression) with sqlglot, positions kept."""
    end = len(text) if end is None else end
    masked = blank_outside(text, start, end)
    if not masked.strip():
        raise syntax_error("Unexpected end of statement: expected a query or expression", text,
                           len(text.rstrip()))
    try:
        trees = sqlglot.parse(masked, read=FlinkDialect)
    except (ParseError, TokenError) as error:
        raise from_sqlglot(error, text) from None
    if len(trees) != 1 or trees[0] is None:
        raise syntax_error("Expected one statement, found several (a ';' inside?)", text, start)
    return trees[0]


class TokenCursor:
    """Reads words, names, strings and option lists off a statement's tokens."""

    def __init__(self, text: str, start: int = 0, end: int | None = None) -> None:
        self.text = text
        self.end = len(text) if end is None else end
        masked = blank_outside(text, start, self.end)
        try:
            self.tokens: list[Token] = FlinkDialect().tokenize(masked)
        except TokenError as error:
            raise from_sqlglot(error, text) from None
        self.pos = 0

    # -- looking ----------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    @property
    def offset(self) -> int:
        """Where the current token starts (the end of the text when none is left)."""
        token = self.peek()
        return token.start if token else len(self.text[: self.end].rstrip())

    def _words_ahead(self, count: int) -> tuple[list[str], int]:
        """The next ``count`` keyword-like words, and how many tokens hold them."""
        words: list[str] = []
        used = 0
        while len(words) < count and self.pos + used < len(self.tokens):
            token = self.tokens[self.pos + used]
            if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
                break
            words.extend(token.text.upper().split())
            used += 1
        return words, used

    def is_word(self, *words: str) -> bool:
        ahead, _ = self._words_ahead(len(words))
        return ahead[: len(words)] == list(words)

    def match(self, *words: str) -> bool:
        """Consume the given words (case-insensitive) if they come next."""
        ahead, used = self._words_ahead(len(words))
        if ahead != list(words):  # also refuses a multi-word token only partly matched
            return False
        self.pos += used
        return True

    def match_any(self, *words: str) -> str | None:
        for word in words:
            if self.match(word):
                return word
        return None

    def match_type(self, token_type: TokenType) -> Token | None:
        token = self.peek()
        if token is not None and token.token_type == token_type:
            self.pos += 1
            return token
        return None

    def rest(self) -> exp.Expr:
        """Parse everything from the current token to the end as one query or expression."""
        start = self.offset
        self.pos = len(self.tokens)
        return parse_sql(self.text, start, self.end)

    def rest_query(self) -> exp.Expr:
        """Like ``rest``, and the text must be a query (SELECT, WITH, VALUES, set operations)."""
        start = self.offset
        tree = self.rest()
        if not isinstance(tree, (exp.Query, exp.Values)):
            raise syntax_error("Expected a query: SELECT, WITH or VALUES", self.text, start)
        return tree

    def rest_text(self) -> str:
        return self.text[self.offset : self.end].strip()

    # -- expecting --------------------------------------------------------------------------
    def error(self, expected: str, hint: str | None = None) -> SqlParseError:
        token = self.peek()
        if token is None:
            return syntax_error(f"Unexpected end of statement: expected {expected}", self.text,
                                self.offset, hint)
        found = self.text[token.start : token.end + 1]
        return syntax_error(f"Encountered '{found}': expected {expected}", self.text, token.start,
                            hint or reserved_word_hint(found))

    def expect(self, *words: str) -> None:
        if not self.match(*words):
            raise self.error(" ".join(words))

    def expect_type(self, token_type: TokenType, what: str) -> Token:
        token = self.match_type(token_type)
        if token is None:
            raise self.error(what)
        return token

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.error("the end of the statement")

    def name(self, what: str = "a name") -> str:
        """An identifier: back-quoted (kept exactly) or a bare word (kept as written)."""
        token = self.peek()
        if token is None or token.token_type in _NOT_NAMES or not (
            token.token_type == TokenType.IDENTIFIER or _NAME.match(token.text)
        ):
            raise self.error(what)
        self.pos += 1
        return token.text

    def object_name(self, what: str = "a name") -> ObjectName:
        """``name``, ``db.name`` or ``catalog.db.name``."""
        parts = [self.name(what)]
        while len(parts) < 3 and self.match_type(TokenType.DOT):
            parts.append(self.name(what))
        return tuple(parts)

    def string(self, what: str = "a string literal") -> str:
        return self.expect_type(TokenType.STRING, what).text

    def name_list(self, what: str = "a column name") -> list[str]:
        """``(a, b, c)``."""
        self.expect_type(TokenType.L_PAREN, "'('")
        names = [self.name(what)]
        while self.match_type(TokenType.COMMA):
            names.append(self.name(what))
        self.expect_type(TokenType.R_PAREN, "')' or ','")
        return names

    def options(self) -> dict[str, str]:
        """``('key' = 'value', ...)``; keys and values are string literals (numbers tolerated)."""
        self.expect_type(TokenType.L_PAREN, "'(' starting the options")
        options: dict[str, str] = {}
        if self.match_type(TokenType.R_PAREN):
            return options
        while True:
            key = self.string("an option key in single quotes, like 'connector'")
            self.expect_type(TokenType.EQ, "'='")
            options[key] = self.option_value()
            if not self.match_type(TokenType.COMMA):
                break
        self.expect_type(TokenType.R_PAREN, "')' or ','")
        return options

    def option_value(self) -> str:
        token = self.peek()
        if token is not None and token.token_type in (TokenType.STRING, TokenType.NUMBER):
            self.pos += 1
            return token.text
        if token is not None and token.text.upper() in ("TRUE", "FALSE"):
            self.pos += 1
            return token.text.lower()
        raise self.error("an option value in single quotes")

    def skip_to_depth_zero(self, *stops: TokenType, stop_words: tuple[str, ...] = ()) -> int:
        """Advance past a nested expression up to a stop token at depth 0; its end offset."""
        depth = 0
        end = self.offset
        while not self.at_end():
            token = self.tokens[self.pos]
            if depth == 0 and (token.token_type in stops or token.text.upper() in stop_words):
                break
            if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
                depth += 1
            elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
                if depth == 0:
                    break
                depth -= 1
            end = token.end + 1
            self.pos += 1
        return end
