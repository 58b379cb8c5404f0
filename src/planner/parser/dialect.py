"""``FlinkDialect``: sqlglot taught Flink SQL's query syntax.

Built on sqlglot's Spark dialect (back-quoted identifiers, ``STRING``, ``INTERVAL '5' MINUTE``,
``FILTER (WHERE ...)`` already work there), with Flink's differences:

- strings escape a quote by doubling it (``'it''s'``); a backslash is an ordinary character;
- identifiers are case-sensitive; ``TIMESTAMP`` is the zone-less type, ``TIMESTAMP_LTZ`` the local one.

How the constructs a binder must recognise come out of the parser:

- **Function calls** are ``exp.Anonymous(this=<name as written>, expressions=[args])``, aggregates
  included (``COUNT(*)`` has an ``exp.Star`` argument, ``COUNT(DISTINCT x)`` an ``exp.Distinct``).
  Calls with keyword syntax become the same shape with positional arguments, time units as
  ``exp.Var``: ``SUBSTRING(s FROM a FOR b)`` → ``SUBSTRING(s, a, b)``, ``POSITION(a IN b)`` →
  ``POSITION(a, b)``, ``OVERLAY(s PLACING r FROM p FOR n)`` → ``OVERLAY(s, r, p, n)``,
  ``FLOOR(ts TO HOUR)`` → ``FLOOR(ts, HOUR)``, ``TIMESTAMPADD(SECOND, n, ts)`` with a Var unit.
  Exceptions kept from sqlglot: ``exp.Cast``/``exp.TryCast``, ``exp.Extract`` (this=unit Var),
  ``exp.Trim``, ``exp.Case``, ``exp.CurrentDate``/``CurrentTime``/``CurrentTimestamp``,
  ``exp.Window`` (OVER), ``exp.Filter`` (agg FILTER (WHERE ...)), operators.
- **Types** (in ``CAST``, ``TRY_CAST`` and typed literals ``DATE '...'``, ``TIMESTAMP '...'``) are
  ``exp.DataType(this=DType.USERDEFINED, kind='<Flink type text>')``; ``flink_type(dt)`` turns one
  into a ``flowsql.common.types.DataType``.
- **INTERVAL '10' SECOND** is ``exp.Interval(this=Literal('10'), unit=Var('SECOND'))``, units
  singular and upper-case (``MINUTES`` → ``MINUTE``, ``HOUR(3)`` → ``HOUR``); ``DAY TO SECOND``
  makes ``unit=exp.IntervalSpan(this=Var('DAY'), expression=Var('SECOND'))``.
- **Window TVFs** ``TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTE))`` (and HOP,
  CUMULATE, SESSION; positional or named ``DATA =>`` arguments) are a ``WindowTableFunction``.
- **FOR SYSTEM_TIME AS OF o.ts** sets ``exp.Table.args['version'] = exp.Version(this='TIMESTAMP',
  kind='AS OF', expression=<o.ts>)``.
- **LATERAL TABLE(f(x)) AS T(a, b)** is ``exp.Lateral(this=Anonymous(f, [x]), alias=TableAlias(T,
  columns=[a, b]))``, inside an ``exp.Join`` (kind CROSS for a comma, side LEFT for LEFT JOIN).
- **UNNEST(arr) AS t(x) [WITH ORDINALITY]** is ``exp.Unnest(expressions=[arr], alias=TableAlias(t,
  [x]), offset=<ordinality column Identifier | True | False>)``.
- **Table hints** ``t /*+ OPTIONS('k'='v') */`` are ``exp.Table.args['hints'] = [Anonymous(OPTIONS,
  [EQ('k', 'v'), ...])]``; query hints ``SELECT /*+ ... */`` stay sqlglot's ``exp.Hint``.
- ``ARRAY[1, 2]`` is ``exp.Array``; ``MAP['a', 1]`` is ``exp.VarMap(keys=Array, values=Array)``;
  ``ROW(1, 'a')`` is ``Anonymous(ROW)``; ``arr[1]`` and ``m['k']`` are ``exp.Bracket``; ``r.f``
  is an ``exp.Column`` whose ``table`` part may name a row column (the binder decides).
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlglot import exp
from sqlglot.dialects.dialect import NormalizationStrategy
from sqlglot.dialects.spark import Spark
from sqlglot.generator import Generator as BaseGenerator
from sqlglot.tokens import Token, TokenType

from flowsql.common.errors import ValidationError
from flowsql.common.types import DataType, parse_type

WINDOW_KINDS = ("TUMBLE", "HOP", "CUMULATE", "SESSION")

# The interval arguments of each window TVF, in positional order (after DATA and TIMECOL).
_WINDOW_PARAMETERS = {
    "TUMBLE": ("size", "offset"),
    "HOP": ("slide", "size", "offset"),
    "CUMULATE": ("step", "size", "offset"),
    "SESSION": ("gap",),
}
_WINDOW_REQUIRED = {"TUMBLE": 1, "HOP": 2, "CUMULATE": 2, "SESSION": 1}

_LITERAL_TYPES = {
    exp.DType.DATE: "DATE",
    exp.DType.TIME: "TIME",
    exp.DType.TIMESTAMP: "TIMESTAMP",
    exp.DType.TIMESTAMPLTZ: "TIMESTAMP_LTZ",
}

_INTERVAL_UNITS = ("YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND",
                   "MICROSECOND")


class WindowTableFunction(exp.Expression):
    """A windowing table-valued function in FROM: ``TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size))``.

    ``this`` is the input relation (``exp.Table`` or ``exp.Subquery``), ``kind`` one of TUMBLE /
    HOP / CUMULATE / SESSION, ``time_col`` the descriptor's ``exp.Identifier``; ``size``, ``slide``,
    ``step``, ``gap`` and ``offset`` the interval expressions the kind takes; ``partition_by`` the
    SESSION partition columns.
    """

    arg_types: ClassVar[dict[str, bool]] = {
        "this": True, "kind": True, "time_col": True, "size": False, "slide": False, "step": False,
        "gap": False, "offset": False, "partition_by": False, "alias": False,
    }


def flink_type(data_type: exp.DataType) -> DataType:
    """The Flink type a parsed ``exp.DataType`` (from CAST or a typed literal) stands for."""
    if data_type.this == exp.DType.USERDEFINED:
        return parse_type(data_type.args["kind"])
    return parse_type(_LITERAL_TYPES.get(data_type.this) or data_type.sql(dialect=FlinkDialect))


def _flink_data_type(text: str) -> exp.DataType:
    return exp.DataType(this=exp.DType.USERDEFINED, kind=text)


def _shift_hint_positions(hint: exp.Expression, token) -> None:
    """Make the (comment-relative) positions of a parsed hint's nodes statement-relative."""
    text = token.text
    first_line = token.line - text.count("\n")
    line_start = text.rfind("\n") + 1
    first_col = token.col - (len(text) - line_start) + 1 if not text.count("\n") else 1
    body_col = first_col + 3  # after '/*+'
    body_start = token.start + 3
    for node in hint.walk():
        meta = node.meta if node._meta else None
        if not meta or "line" not in meta:
            continue
        if meta["line"] == 1:
            meta["col"] = meta["col"] + body_col - 1
        meta["line"] = meta["line"] + first_line - 1
        for key in ("start", "end"):
            if key in meta:
                meta[key] += body_start


class FlinkParser(Spark.Parser):
    """Spark's parser with Flink's table functions, types and call shapes."""

    # Every plain call stays an exp.Anonymous, so the binder looks functions up by name only.
    FUNCTIONS: ClassVar[dict[str, Any]] = {}

    STRICT_CAST = True
    NO_PAREN_FUNCTION_PARSERS: ClassVar[dict[str, Any]] = {
        "CASE": Spark.Parser.NO_PAREN_FUNCTION_PARSERS["CASE"]
    }

    FUNCTION_PARSERS: ClassVar[dict[str, Any]] = {
        **{k: Spark.Parser.FUNCTION_PARSERS[k] for k in ("CAST", "TRY_CAST", "EXTRACT", "TRIM")},
        "SUBSTRING": lambda self: self._parse_keyword_call("SUBSTRING", ("FROM", "FOR")),
        "POSITION": lambda self: self._parse_keyword_call("POSITION", ("IN",)),
        "OVERLAY": lambda self: self._parse_keyword_call("OVERLAY", ("PLACING", "FROM", "FOR")),
        "FLOOR": lambda self: self._parse_keyword_call("FLOOR", ("TO",)),
        "CEIL": lambda self: self._parse_keyword_call("CEIL", ("TO",)),
        "CEILING": lambda self: self._parse_keyword_call("CEILING", ("TO",)),
        "TIMESTAMPADD": lambda self: self._parse_unit_call("TIMESTAMPADD"),
        "TIMESTAMPDIFF": lambda self: self._parse_unit_call("TIMESTAMPDIFF"),
        "JSON_OBJECT": lambda self: self._parse_json_constructor("JSON_OBJECT"),
        "JSON_ARRAY": lambda self: self._parse_json_constructor("JSON_ARRAY"),
    }

    def parse(self, raw_tokens: list[Token], sql: str = "") -> list[exp.Expr | None]:
        trees = super().parse(raw_tokens, sql)
        for tree in trees:
            if tree is not None:
                _normalize(tree)
        return trees

    def _parse_projections(self) -> tuple[list[exp.Expr], list[exp.Expr] | None]:
        projections = super()._parse_projections()
        if self._prev and self._prev.token_type == TokenType.COMMA:
            self.raise_error("Expected an expression after ',' (Flink allows no trailing comma)")
        return projections

    # -- calls with keyword syntax ----------------------------------------------------------
    def _parse_keyword_call(self, name: str, separators: tuple[str, ...]) -> exp.Expr:
        """``NAME(a KW b KW c)`` or ``NAME(a, b, c)`` → Anonymous(NAME, [a, b, c]).

        Arguments are read below comparison level, so ``POSITION(a IN b)`` is not ``a IN (b)``.
        """
        args = [self._parse_bitwise()]
        while self._match(TokenType.COMMA) or self._match_texts(separators):
            if self._prev.text.upper() == "TO":
                args.append(exp.Var(this=self._advance_any() and self._prev.text.upper()))
            else:
                args.append(self._parse_bitwise())
        return self.expression(exp.Anonymous(this=name, expressions=args))

    def _parse_unit_call(self, name: str) -> exp.Expr:
        """``TIMESTAMPADD(SECOND, n, ts)``: the unit becomes an exp.Var."""
        self._advance_any()
        args: list[exp.Expr] = [exp.Var(this=self._prev.text.upper())]
        while self._match(TokenType.COMMA):
            args.append(self._parse_assignment())
        return self.expression(exp.Anonymous(this=name, expressions=args))

    def _parse_json_constructor(self, name: str) -> exp.Expr:
        """``JSON_OBJECT([KEY] k VALUE v, ... [{NULL | ABSENT} ON NULL])`` and ``JSON_ARRAY(v, ...
        [{NULL | ABSENT} ON NULL])`` → Anonymous(NAME, [args]), the NULL clause (when written) as a
        leading string literal ``'NULL ON NULL'`` / ``'ABSENT ON NULL'``.
        """
        args: list[exp.Expr] = []
        mode: str | None = None
        while self._curr and self._curr.token_type != TokenType.R_PAREN:
            for spelled in ("NULL", "ABSENT"):
                if self._match_text_seq(spelled, "ON", "NULL"):
                    mode = f"{spelled} ON NULL"
            if mode is not None:
                break
            if args and not self._match(TokenType.COMMA):
                self.raise_error(f"Expected ',' or ')' in {name}(...)")
            if name == "JSON_OBJECT":
                self._match_text_seq("KEY")
                args.append(self._parse_bitwise())
                if not self._match_text_seq("VALUE"):
                    self.raise_error("Expected VALUE after the key: JSON_OBJECT(KEY 'k' VALUE v, ...)")
            args.append(self._parse_assignment())
        if mode is not None:
            args.insert(0, exp.Literal.string(mode))
        return self.expression(exp.Anonymous(this=name, expressions=args))

    # -- types ------------------------------------------------------------------------------
    def _parse_cast(self, strict: bool, safe: bool | None = None) -> exp.Expr:
        this = self._parse_assignment()
        if not self._match(TokenType.ALIAS):
            self.raise_error("Expected AS after CAST")
        to = self._parse_flink_type()
        return self.build_cast(strict=strict, this=this, to=to, safe=safe)

    def _parse_flink_type(self) -> exp.DataType:
        """Read a Flink type (up to the closing parenthesis) with ``parse_type``."""
        first = self._curr
        depth = 0
        last = None
        while self._curr and not (depth == 0 and self._curr.token_type in
                                  (TokenType.R_PAREN, TokenType.COMMA)):
            text = self._curr.text
            depth += text.count("(") + text.count("<") - text.count(")") - text.count(">")
            last = self._curr
            self._advance()
        if first is None or last is None:
            self.raise_error("Expected a type after AS")
            return _flink_data_type("NULL")
        text = self.sql[first.start : last.end + 1]
        try:
            return _flink_data_type(parse_type(text).sql())
        except ValidationError as error:
            self.raise_error(f"Invalid type: {error.message}", first)
            return _flink_data_type("NULL")

    # -- FROM items -------------------------------------------------------------------------
    def _parse_table(self, *args: Any, **kwargs: Any) -> exp.Expr | None:
        if (
            not kwargs.get("schema")
            and self._curr
            and self._curr.token_type == TokenType.TABLE
            and self._next
            and self._next.token_type == TokenType.L_PAREN
        ):
            return self._parse_window_table_function()
        table = super()._parse_table(*args, **kwargs)
        if isinstance(table, exp.Table) and table.meta.get("hints"):
            table.set("hints", table.meta.pop("hints"))
        return table

    def _parse_hint(self) -> exp.Hint | None:
        # sqlglot parses a query hint from the comment text alone, so its nodes carry positions
        # inside the comment; shift them to the statement's, for errors about a hint's options.
        hint = super()._parse_hint()
        if hint is not None:
            _shift_hint_positions(hint, self._prev)
        return hint

    def _parse_table_parts(self, *args: Any, **kwargs: Any) -> exp.Table:
        table = super()._parse_table_parts(*args, **kwargs)
        if table is not None and self._match(TokenType.HINT) and self._prev_comments:
            hint = exp.maybe_parse(self._prev_comments[0], into=exp.Hint, dialect=self.dialect)
            table.meta["hints"] = list(hint.expressions)
            self._prev.comments, self._prev_comments = [], []
        return table

    def _parse_window_table_function(self) -> exp.Expr:
        self._advance()  # TABLE
        self._match_l_paren()
        kind = self._curr.text.upper() if self._curr else ""
        if kind not in WINDOW_KINDS or not self._next or self._next.token_type != TokenType.L_PAREN:
            self.raise_error(
                "Expected TUMBLE, HOP, CUMULATE or SESSION after TABLE( (other table functions are "
                "called as LATERAL TABLE(f(...)))"
            )
        self._advance()
        self._match_l_paren()
        positional: list[tuple[Token, Any]] = []
        named: dict[str, tuple[Token, Any]] = {}
        while True:
            if self._next and self._next.token_type == TokenType.FARROW:
                key = self._curr.text.upper()
                self._advance(2)
                named[key] = (self._curr, self._parse_window_argument())
            else:
                positional.append((self._curr, self._parse_window_argument()))
            if not self._match(TokenType.COMMA):
                break
        self._match_r_paren()
        self._match_r_paren()
        tvf = self._build_window_table_function(kind, positional, named)
        tvf.set("alias", self._parse_table_alias())
        return tvf

    def _parse_window_argument(self) -> Any:
        """``TABLE t [PARTITION BY ...]``, ``(subquery)``, ``DESCRIPTOR(col)`` or an expression."""
        if self._match(TokenType.TABLE):
            if self._curr and self._curr.token_type == TokenType.L_PAREN:
                relation = self._parse_select(table=True)
            else:
                relation = self._parse_table_parts()
            partition = None
            if self._match(TokenType.PARTITION_BY):
                # 'PARTITION BY k, DESCRIPTOR(ts)': a bare key list would swallow the next argument
                partition = (self._parse_wrapped_csv(self._parse_column)
                             if self._curr and self._curr.token_type == TokenType.L_PAREN
                             else [self._parse_column()])
            return ("table", relation, partition)
        if self._match_text_seq("DESCRIPTOR"):
            return ("descriptor", self._parse_wrapped_csv(self._parse_id_var))
        if self._match_pair(TokenType.L_PAREN, TokenType.SELECT, advance=False) or self._match_pair(
            TokenType.L_PAREN, TokenType.WITH, advance=False
        ):
            return ("table", self._parse_select(table=True), None)
        return self._parse_assignment()

    def _build_window_table_function(
        self, kind: str, positional: list[tuple[Token, Any]], named: dict[str, tuple[Token, Any]]
    ) -> WindowTableFunction:
        """Check the arguments (by position or by name) and name them; errors point at them."""
        parameters = _WINDOW_PARAMETERS[kind]
        names = ("DATA", "TIMECOL", *(p.upper() for p in parameters))
        required = _WINDOW_REQUIRED[kind]
        signature = f"{kind}(TABLE t, DESCRIPTOR(ts), " + ", ".join(
            [p.upper() for p in parameters[:required]] + [f"[{p.upper()}]" for p in parameters[required:]]
        ) + ")"
        if len(positional) > len(names):
            self.raise_error(f"Too many arguments: expected {signature}", positional[len(names)][0])
        values = dict(zip(names, positional))
        for key, (token, value) in named.items():
            if key not in names:
                self.raise_error(f"{kind} has no parameter {key}: expected {signature}", token)
            values[key] = (token, value)
        token, data = values.get("DATA", (self._prev, None))
        if not (isinstance(data, tuple) and data[0] == "table"):
            self.raise_error(f"Expected TABLE <name> as the first argument of {signature}", token)
        token, descriptor = values.get("TIMECOL", (self._prev, None))
        if not (isinstance(descriptor, tuple) and descriptor[0] == "descriptor"):
            self.raise_error(
                f"Expected DESCRIPTOR(<time column>) as the second argument of {signature}", token
            )
        intervals = {p: values[p.upper()][1] for p in parameters if p.upper() in values}
        if any(p not in intervals for p in parameters[:required]):
            self.raise_error(f"Missing window size: expected {signature}", self._prev)
        return self.expression(
            WindowTableFunction(
                this=data[1], kind=kind, time_col=descriptor[1][0], partition_by=data[2],
                **intervals,
            )
        )

    def _parse_lateral(self) -> exp.Lateral | None:
        lateral = super()._parse_lateral()
        inner = lateral and lateral.this
        if isinstance(inner, exp.Anonymous) and inner.name.upper() == "TABLE" and len(inner.expressions) == 1:
            lateral.set("this", inner.expressions[0])
        return lateral

    def _parse_unnest(self, with_alias: bool = True) -> exp.Unnest | None:
        unnest = super()._parse_unnest(with_alias)
        if unnest is not None and not unnest.args.get("offset") and self._match_pair(
            TokenType.WITH, TokenType.ORDINALITY
        ):
            columns = unnest.args["alias"].args.get("columns") if unnest.args.get("alias") else None
            unnest.set("offset", columns.pop() if columns and len(columns) > len(unnest.expressions)
                       else True)
        return unnest

    # -- MAP[k, v, ...] ---------------------------------------------------------------------
    def _parse_bracket(self, this: exp.Expr | None = None) -> exp.Expr | None:
        if (
            isinstance(this, exp.Column)
            and not this.table
            and not this.this.quoted
            and this.name.upper() == "MAP"
            and self._match(TokenType.L_BRACKET)
        ):
            items = self._parse_csv(self._parse_assignment)
            self._match(TokenType.R_BRACKET, expression=this) or self.raise_error("Expected ]")
            if len(items) % 2:
                self.raise_error("MAP[...] takes key, value pairs")
            this = exp.VarMap(keys=exp.Array(expressions=items[0::2]),
                              values=exp.Array(expressions=items[1::2]))
        return super()._parse_bracket(this)


def _normalize(tree: exp.Expr) -> None:
    """Canonical shapes for typed literals and interval units (see the module docstring)."""
    for node in tree.find_all(exp.DataType, exp.Interval):
        if isinstance(node, exp.DataType) and node.this in _LITERAL_TYPES:
            node.replace(_flink_data_type(_LITERAL_TYPES[node.this]))
        elif isinstance(node, exp.Interval):
            unit = node.args.get("unit")
            if unit is not None and not isinstance(unit, exp.IntervalSpan):
                name = unit.name.upper()
                if name.endswith("S") and name[:-1] in _INTERVAL_UNITS:
                    name = name[:-1]
                node.set("unit", exp.Var(this=name))


class FlinkGenerator(BaseGenerator):
    """Writes ASTs back as Flink SQL (for EXPLAIN, error messages and SHOW CREATE)."""

    TABLE_HINTS = False
    TRANSFORMS: ClassVar[dict[type[exp.Expr], Any]] = {
        k: v for k, v in BaseGenerator.TRANSFORMS.items()
        if k not in (exp.Array, exp.VarMap, exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)
    }

    def windowtablefunction_sql(self, expression: WindowTableFunction) -> str:
        data = self.sql(expression, "this")
        partition = self.expressions(expression, key="partition_by", flat=True)
        if partition:
            data = f"{data} PARTITION BY {partition}"
        args = [f"TABLE {data}", f"DESCRIPTOR({self.sql(expression, 'time_col')})"]
        args += [self.sql(expression, p) for p in _WINDOW_PARAMETERS[expression.args["kind"]]
                 if expression.args.get(p)]
        alias = self.sql(expression, "alias")
        return f"TABLE({expression.args['kind']}({', '.join(args)}))" + (f" AS {alias}" if alias else "")

    TRANSFORMS[WindowTableFunction] = windowtablefunction_sql

    def currenttimestamp_sql(self, expression: exp.CurrentTimestamp) -> str:
        return "CURRENT_TIMESTAMP"

    def currentdate_sql(self, expression: exp.CurrentDate) -> str:
        return "CURRENT_DATE"

    def currenttime_sql(self, expression: exp.CurrentTime) -> str:
        return "CURRENT_TIME"

    def version_sql(self, expression: exp.Version) -> str:
        return f"FOR SYSTEM_TIME AS OF {self.sql(expression, 'expression')}"

    def table_sql(self, expression: exp.Table, sep: str = " AS ") -> str:
        text = super().table_sql(expression, sep)
        hints = expression.args.get("hints")
        if not hints:
            return text
        name = self.sql(exp.Table(**{k: expression.args.get(k) for k in ("this", "db", "catalog")}))
        hint = f"/*+ {self.expressions(expression, key='hints', flat=True)} */"
        return text.replace(name, f"{name} {hint}", 1)

    def lateral_sql(self, expression: exp.Lateral) -> str:
        alias = self.sql(expression, "alias")
        return f"LATERAL TABLE({self.sql(expression, 'this')})" + (f" AS {alias}" if alias else "")

    def unnest_sql(self, expression: exp.Unnest) -> str:
        text = f"UNNEST({self.expressions(expression, flat=True)})"
        if expression.args.get("offset"):
            text += " WITH ORDINALITY"
        alias = expression.args.get("alias")
        if alias is not None:
            columns = list(alias.columns)
            if isinstance(expression.args["offset"], exp.Identifier):
                columns.append(expression.args["offset"])
            alias_sql = self.sql(alias, "this")
            if columns:
                alias_sql += f"({', '.join(self.sql(c) for c in columns)})"
            text += f" AS {alias_sql}"
        return text

    def anonymous_sql(self, expression: exp.Anonymous) -> str:
        name = str(expression.this).upper()
        if name not in ("JSON_OBJECT", "JSON_ARRAY"):
            return super().anonymous_sql(expression)
        args = list(expression.expressions)
        mode = ""
        if args and isinstance(args[0], exp.Literal) and args[0].is_string and \
                args[0].name.upper() in ("NULL ON NULL", "ABSENT ON NULL"):
            mode = args.pop(0).name.upper()
        if name == "JSON_OBJECT":
            items = [f"KEY {self.sql(k)} VALUE {self.sql(v)}" for k, v in zip(args[0::2], args[1::2])]
        else:
            items = [self.sql(a) for a in args]
        body = ", ".join(items) + (" " if items and mode else "") + mode
        return f"{name}({body})"

    def array_sql(self, expression: exp.Array) -> str:
        return f"ARRAY[{self.expressions(expression, flat=True)}]"

    def varmap_sql(self, expression: exp.VarMap) -> str:
        keys, values = expression.args["keys"].expressions, expression.args["values"].expressions
        pairs = [self.sql(item) for pair in zip(keys, values) for item in pair]
        return f"MAP[{', '.join(pairs)}]"


class FlinkDialect(Spark):
    """Flink SQL for sqlglot: ``sqlglot.parse_one(sql, read=FlinkDialect)``."""

    NORMALIZATION_STRATEGY = NormalizationStrategy.CASE_SENSITIVE
    NORMALIZE_FUNCTIONS = False  # user-defined function names are case-sensitive too

    class Tokenizer(Spark.Tokenizer):
        STRING_ESCAPES: ClassVar[list[str]] = ["'"]
        IDENTIFIER_ESCAPES: ClassVar[list[str]] = ["`"]
        RAW_STRINGS: ClassVar[list[Any]] = []
        NUMERIC_ESCAPES: ClassVar[dict[str, Any]] = {}
        # SHOW, EXECUTE, ... are statements of ours; sqlglot would swallow the rest as one string.
        COMMANDS: ClassVar[set[TokenType]] = set()
        KEYWORDS: ClassVar[dict[str, TokenType]] = {
            **Spark.Tokenizer.KEYWORDS,
            "TIMESTAMP": TokenType.TIMESTAMP,
            "TIMESTAMP_LTZ": TokenType.TIMESTAMPLTZ,
            # SESSION is not a keyword in Flink: GROUP BY SESSION(ts, gap) is the legacy group window.
            "SESSION": TokenType.VAR,
        }
        # A '/*+ ... */' after a table name is a table hint (OPTIONS(...)), not a comment.
        TOKENS_PRECEDING_HINT: ClassVar[set[TokenType]] = {
            *Spark.Tokenizer.TOKENS_PRECEDING_HINT, TokenType.VAR, TokenType.IDENTIFIER,
        }

    Parser = FlinkParser
    Generator = FlinkGenerator
