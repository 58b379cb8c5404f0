"""Executes parsed statements against a session: catalog changes, SHOW/DESCRIBE rows, SET, EXPLAIN,
and query/INSERT planning into jobs (streaming) or a DuckDB query (batch)."""

from __future__ import annotations

import re
import time

from flowsql.catalog import CatalogFunction, CatalogTable, CatalogView, TableColumn, WatermarkSpec
from flowsql.common.errors import PlanningError, ValidationError
from flowsql.common.types import STRING, BOOLEAN
from flowsql.exec.job import Job
from flowsql.planner.binder import QueryBinder
from flowsql.planner.logical import Sink, explain_tree
from flowsql.planner.optimizer import optimize
from flowsql.planner.parser import statements as st
from flowsql.planner.physical import PhysicalPlanner, explain_physical, explain_reasons
from flowsql.table.result import ResultKind, TableResult

OK = "OK"


def _sql(node) -> str:
    from flowsql.planner.parser import FlinkDialect

    return node.sql(dialect=FlinkDialect)


class StatementExecutor:
    def __init__(self, env) -> None:
        self.env = env
        self.catalog = env.catalog
        self.config = env.config

    def ok(self) -> TableResult:
        return TableResult(ResultKind.SUCCESS, ["result"], [STRING()], rows=[(OK,)])

    def rows(self, names: list[str], rows: list[tuple], types=None) -> TableResult:
        return TableResult(ResultKind.SUCCESS_WITH_CONTENT, names, types or [STRING()] * len(names), rows=rows)

    def binder(self) -> QueryBinder:
        functions = getattr(self.env, "function_binding", None)
        return QueryBinder(self.catalog, functions)

    # -- dispatch ---------------------------------------------------------------------------
    def execute(self, stmt: st.Statement) -> TableResult:
        handler = getattr(self, "_" + type(stmt).__name__, None)
        if handler is None:
            raise ValidationError(f"{type(stmt).__name__} statements cannot be executed here",
                                  line=stmt.line, column=stmt.column)
        return handler(stmt)

    # -- DDL --------------------------------------------------------------------------------
    def _CreateTable(self, s: st.CreateTable) -> TableResult:
        columns: list[TableColumn] = []
        watermark = None
        options = dict(s.options)
        primary_key = tuple(s.primary_key) if s.primary_key else None
        partition_keys = tuple(s.partition_keys)
        if s.like is not None:
            _, base = self.catalog.resolve(s.like.source)
            if not isinstance(base, CatalogTable):
                raise ValidationError("LIKE must name a table, not a view")
            excluding = {what for mode, what in s.like.options if mode.upper() == "EXCLUDING"}
            if "ALL" not in excluding:
                columns += [c for c in base.columns if not (c.kind == "computed" and "GENERATED" in excluding)
                            and not (c.kind == "metadata" and "METADATA" in excluding)]
                if "WATERMARKS" not in excluding:
                    watermark = base.watermark
                if "OPTIONS" not in excluding:
                    options = {**base.options, **options}
                if "CONSTRAINTS" not in excluding and primary_key is None:
                    primary_key = base.primary_key
                if "PARTITIONS" not in excluding and not partition_keys:
                    partition_keys = base.partition_keys
        names = {c.name for c in columns}
        for c in s.columns:
            if c.name in names:
                raise ValidationError(f"column '{c.name}' is declared twice", line=c.line, column=c.column)
            names.add(c.name)
            columns.append(TableColumn(
                c.name, c.type, c.kind, _sql(c.expression) if c.expression is not None else None,
                c.metadata_key, c.virtual, c.comment))
        if primary_key:
            for k in primary_key:
                if k not in names:
                    raise ValidationError(f"primary key column '{k}' is not a column of the table",
                                          line=s.line, column=s.column)
            columns = [TableColumn(c.name, c.type.with_nullable(False), c.kind, c.expression, c.metadata_key,
                                   c.virtual, c.comment) if c.name in primary_key and c.type is not None else c
                       for c in columns]
        for k in partition_keys:
            if k not in names:
                raise ValidationError(f"partition column '{k}' is not a column of the table")
        if s.watermark is not None:
            wm = s.watermark
            if wm.column not in names:
                raise ValidationError(f"the watermark column '{wm.column}' is not a column of the table",
                                      line=wm.line, column=wm.column_pos)
            watermark = WatermarkSpec(wm.column, _sql(wm.expression))
        if s.as_query is None and not any(c.kind == "physical" for c in columns) and "connector" in options:
            raise ValidationError("a table needs at least one physical column", line=s.line, column=s.column)
        table = CatalogTable(tuple(columns), options, watermark, primary_key, partition_keys, s.comment)
        table = self._resolve_table_types(table, s)
        if s.as_query is not None:
            plan = self.binder().bind_query(s.as_query)
            table = CatalogTable(tuple(TableColumn(f.name, f.type.without_time_attribute()) for f in plan.fields),
                                 options, None, primary_key, partition_keys, s.comment)
            self.catalog.create(s.name, table, temporary=s.temporary, if_not_exists=s.if_not_exists)
            return self._insert(st.Insert(s.name, s.as_query, sql=s.sql, line=s.line, column=s.column))
        self.catalog.create(s.name, table, temporary=s.temporary, if_not_exists=s.if_not_exists)
        return self.ok()

    def _resolve_table_types(self, table: CatalogTable, s: st.CreateTable) -> CatalogTable:
        """Derive computed columns' types and validate the watermark by binding a scan once."""
        if table.watermark is None and not any(c.kind == "computed" for c in table.columns):
            return table
        binder = self.binder()
        temp = CatalogTable(table.columns, table.options, None, table.primary_key, table.partition_keys)
        plan = binder.bind_table(("", "", ""), temp, None)
        typed = []
        for c, f in zip(table.columns, plan.fields):
            typed.append(TableColumn(c.name, f.type, c.kind, c.expression, c.metadata_key, c.virtual, c.comment)
                         if c.kind == "computed" else c)
        result = CatalogTable(tuple(typed), table.options, table.watermark, table.primary_key, table.partition_keys,
                              table.comment)
        if table.watermark is not None:
            wm_col = result.column(table.watermark.column)
            if wm_col.type.name not in ("TIMESTAMP", "TIMESTAMP_LTZ") or (wm_col.type.precision or 0) > 3:
                raise ValidationError(
                    f"the rowtime column '{wm_col.name}' is {wm_col.type.sql(False)}, but an event-time attribute "
                    f"must be TIMESTAMP(3) or TIMESTAMP_LTZ(3)",
                    line=s.watermark.line if s.watermark else s.line,
                    column=s.watermark.column_pos if s.watermark else s.column,
                    hint=f"declare it as TIMESTAMP(3), or compute one: ts AS TO_TIMESTAMP_LTZ({wm_col.name}, 3)")
            try:
                binder.bind_table(("", "", ""), result, None)
            except ValidationError as e:
                if e.line is None and s.watermark is not None:
                    e.at(s.watermark.line, s.watermark.column_pos)
                raise
        return result

    def _CreateView(self, s: st.CreateView) -> TableResult:
        plan = self.binder().bind_query(s.query)
        if s.column_names and len(s.column_names) != len(plan.fields):
            raise ValidationError(f"the view names {len(s.column_names)} columns but its query has "
                                  f"{len(plan.fields)}", line=s.line, column=s.column)
        view = CatalogView(s.query_sql, tuple(s.column_names) if s.column_names else None, s.comment)
        self.catalog.create(s.name, view, temporary=s.temporary, if_not_exists=s.if_not_exists)
        return self.ok()

    def _CreateDatabase(self, s: st.CreateDatabase) -> TableResult:
        self.catalog.create_database(s.name, if_not_exists=s.if_not_exists, comment=s.comment)
        return self.ok()

    def _CreateCatalog(self, s: st.CreateCatalog) -> TableResult:
        self.catalog.create_catalog(s.name, s.options, s.if_not_exists)
        return self.ok()

    def _CreateFunction(self, s: st.CreateFunction) -> TableResult:
        if s.language.upper() != "PYTHON":
            raise ValidationError(f"{s.language} functions cannot run in flowsql",
                                  hint="write the function in Python and use LANGUAGE PYTHON",
                                  line=s.line, column=s.column)
        register = getattr(self.env, "register_function_by_name", None)
        if register is not None:
            register(s)
        else:
            self.catalog.create_function(s.name, CatalogFunction(s.identifier, s.language), temporary=s.temporary,
                                         system=s.system, if_not_exists=s.if_not_exists)
        return self.ok()

    def _Drop(self, s: st.Drop) -> TableResult:
        kind = s.object_kind.upper()
        if kind in ("TABLE", "VIEW"):
            self.catalog.drop(s.name, kind, temporary=s.temporary, if_exists=s.if_exists)
        elif kind == "DATABASE":
            self.catalog.drop_database(s.name, if_exists=s.if_exists, cascade=s.cascade)
        elif kind == "FUNCTION":
            self.catalog.drop_function(s.name, temporary=s.temporary, system=s.system, if_exists=s.if_exists)
        elif kind == "CATALOG":
            self.catalog.drop_catalog(s.name[-1], s.if_exists)
        return self.ok()

    def _AlterTable(self, s: st.AlterTable) -> TableResult:
        path, obj = self.catalog.resolve(s.name)
        if not isinstance(obj, CatalogTable):
            raise ValidationError(f"{'.'.join(path)} is a view, not a table")
        temporary = path in self.catalog.temporary
        if s.action == "RENAME":
            self.catalog.drop(s.name, "TABLE", temporary=temporary)
            self.catalog.create(s.new_name, obj, temporary=temporary)
            return self.ok()
        options = dict(obj.options)
        if s.action == "SET":
            options.update(s.options)
        else:
            for k in s.reset_keys:
                options.pop(k, None)
        from dataclasses import replace

        self.catalog.create(s.name, replace(obj, options=options), temporary=temporary, replace=True)
        return self.ok()

    def _UseCatalog(self, s: st.UseCatalog) -> TableResult:
        self.catalog.use_catalog(s.name)
        return self.ok()

    def _UseDatabase(self, s: st.UseDatabase) -> TableResult:
        self.catalog.use_database(s.name)
        return self.ok()

    # -- SHOW / DESCRIBE --------------------------------------------------------------------
    def _Show(self, s: st.Show) -> TableResult:
        what = s.what.upper()
        if what == "CATALOGS":
            return self._listing("catalog name", sorted(self.catalog.catalogs), s)
        if what == "DATABASES":
            return self._listing("database name", sorted(self.catalog.catalog(self.catalog.current_catalog).databases), s)
        if what == "TABLES":
            names = set(self.catalog.list_objects(CatalogTable, s.name)) | set(
                self.catalog.list_objects(CatalogView, s.name))
            return self._listing("table name", sorted(names), s)
        if what == "VIEWS":
            return self._listing("view name", self.catalog.list_objects(CatalogView, s.name), s)
        if what == "CURRENT CATALOG":
            return self.rows(["current catalog name"], [(self.catalog.current_catalog,)])
        if what == "CURRENT DATABASE":
            return self.rows(["current database name"], [(self.catalog.current_database,)])
        if what in ("FUNCTIONS", "USER FUNCTIONS"):
            from flowsql.planner.functions import registry

            names = set(self.catalog.list_user_functions())
            if what == "FUNCTIONS":
                from flowsql.planner.typing_rules import AGGREGATE_FUNCTIONS

                names |= {f.name for f in registry.all_functions()} | AGGREGATE_FUNCTIONS
            return self._listing("function name", sorted(names), s)
        if what == "COLUMNS":
            return self._describe(s.name, False, like=s.like, not_like=s.not_like)
        if what in ("CREATE TABLE", "CREATE VIEW"):
            return self.rows(["result"], [(self._show_create(s.name, what),)])
        if what == "JOBS":
            return self._ShowJobs(s)
        if what == "WATERMARKS":
            return self._show_watermarks()
        if what in ("MODULES", "FULL MODULES"):
            if what == "MODULES":
                return self.rows(["module name"], [("core",)])
            return self.rows(["module name", "used"], [("core", True)], [STRING(), BOOLEAN()])
        raise ValidationError(f"SHOW {what} is not supported", line=s.line, column=s.column)

    def _listing(self, header: str, names: list[str], s: st.Show) -> TableResult:
        if s.like is not None:
            pattern = "^" + re.escape(s.like).replace("%", ".*").replace("_", ".") + "$"
            flags = re.IGNORECASE if s.ilike else 0
            names = [n for n in names if bool(re.match(pattern.replace("\\.\\*", ".*"), n, flags)) != s.not_like]
        return self.rows([header], [(n,) for n in names])

    def _ShowJobs(self, s) -> TableResult:
        from flowsql.table.job_statements import show_jobs

        return show_jobs(self.env)

    def _DescribeJob(self, s: st.DescribeJob) -> TableResult:
        from flowsql.table.job_statements import describe_job

        return describe_job(self.env, s)

    def _StopJob(self, s: st.StopJob) -> TableResult:
        from flowsql.table.job_statements import stop_job

        return stop_job(self.env, s)

    def _show_watermarks(self) -> TableResult:
        """Our extension: each operator's watermark and its lag behind the job's clock, per job."""
        from flowsql.common.types import BIGINT
        from flowsql.exec.job_metrics import watermark_rows

        rows = [row for job in self.env.list_jobs() for row in watermark_rows([job], job.clock.now_ms())]
        names = ["job id", "job name", "status", "operator", "watermark", "lag ms", "idle"]
        return self.rows(names, rows, [STRING()] * 5 + [BIGINT(), BOOLEAN()])

    def _show_create(self, name, what) -> str:
        path, obj = self.catalog.resolve(name)
        full = ".".join(f"`{p}`" for p in path)
        if isinstance(obj, CatalogView):
            return f"CREATE VIEW {full} AS\n{obj.query}\n"
        lines = []
        for c in obj.columns:
            if c.kind == "computed":
                lines.append(f"  `{c.name}` AS {c.expression}")
            elif c.kind == "metadata":
                key = f" FROM '{c.metadata_key}'" if c.metadata_key and c.metadata_key != c.name else ""
                lines.append(f"  `{c.name}` {c.type.sql(False).replace('STRING', 'VARCHAR(2147483647)')} METADATA"
                             f"{key}{' VIRTUAL' if c.virtual else ''}")
            else:
                lines.append(f"  `{c.name}` {c.type.sql(False).replace('STRING', 'VARCHAR(2147483647)')}")
        if obj.watermark:
            lines.append(f"  WATERMARK FOR `{obj.watermark.column}` AS {obj.watermark.expression}")
        if obj.primary_key:
            cols = ", ".join(f"`{k}`" for k in obj.primary_key)
            lines.append(f"  CONSTRAINT `PK_{'_'.join(obj.primary_key)}` PRIMARY KEY ({cols}) NOT ENFORCED")
        text = f"CREATE {'TEMPORARY ' if path in self.catalog.temporary else ''}TABLE {full} (\n" + ",\n".join(lines) + "\n)"
        if obj.comment:
            text += f"\nCOMMENT '{obj.comment}'"
        if obj.partition_keys:
            text += "\nPARTITIONED BY (" + ", ".join(f"`{k}`" for k in obj.partition_keys) + ")"
        opts = ",\n".join(f"  '{k}' = '{v}'" for k, v in sorted(obj.options.items()))
        return text + f" WITH (\n{opts}\n)\n"

    def _Describe(self, s: st.Describe) -> TableResult:
        return self._describe(s.name, s.extended)

    def _describe(self, name, extended, like=None, not_like=False) -> TableResult:
        path, obj = self.catalog.resolve(name)
        rows = []
        if isinstance(obj, CatalogView):
            plan = self.binder().bind_table_name(name, None)
            for f in plan.fields:
                rows.append((f.name, f.type.sql(True).replace(" NOT NULL", ""), f.type.nullable, None, None, None))
        else:
            pk = obj.primary_key or ()
            for c in obj.columns:
                t = c.type
                if obj.watermark and c.name == obj.watermark.column:
                    t = t.as_time_attribute("rowtime")
                type_text = t.sql(True).replace(" NOT NULL", "") if t is not None else "?"
                extras = None
                if c.kind == "computed":
                    extras = f"AS {c.expression}"
                elif c.kind == "metadata":
                    key = f" FROM '{c.metadata_key}'" if c.metadata_key and c.metadata_key != c.name else ""
                    extras = f"METADATA{key}{' VIRTUAL' if c.virtual else ''}"
                key = f"PRI({', '.join(pk)})" if c.name in pk else None
                wm = obj.watermark.expression if obj.watermark and c.name == obj.watermark.column else None
                rows.append((c.name, type_text, t.nullable if t is not None else True, key, extras, wm))
        if like is not None:
            pattern = "^" + re.escape(like).replace("%", ".*").replace("_", ".") + "$"
            rows = [r for r in rows if bool(re.match(pattern, r[0])) != not_like]
        names = ["name", "type", "null", "key", "extras", "watermark"]
        types = [STRING(), STRING(), BOOLEAN(), STRING(), STRING(), STRING()]
        return self.rows(names, rows, types)

    # -- SET / RESET ------------------------------------------------------------------------
    def _SetOption(self, s: st.SetOption) -> TableResult:
        if s.key is None:
            rows = [(k, v) for k, v in self.config.items()]
            return self.rows(["key", "value"], rows)
        self.config.set(s.key, s.value)
        if s.key == "execution.runtime-mode":
            self.config.is_batch  # validates the value
        return self.ok()

    def _ResetOption(self, s: st.ResetOption) -> TableResult:
        self.config.reset(s.key)
        return self.ok()

    # -- EXPLAIN ----------------------------------------------------------------------------
    def _Explain(self, s: st.Explain) -> TableResult:
        return self.rows(["result"], [(self.explain(s.statement, s.details),)])

    def explain(self, stmt: st.Statement, details: list[str]) -> str:
        sinks = self._plan_sinks(stmt)
        sections = ["== Abstract Syntax Tree ==", "\n".join(explain_tree(p) for p in sinks)]
        traces: list[list] = [[] for _ in sinks]
        optimized = [optimize(p, self.config, trace) for p, trace in zip(sinks, traces)]
        if "PHASES" in details:
            sections += self._explain_phases(sinks, traces)
        planner = PhysicalPlanner(self.config, self.config.is_batch)
        physical = [planner.plan(p) for p in optimized]
        sections += ["", "== Optimized Physical Plan ==",
                     "\n".join(explain_physical(p, changelog=True) for p in physical)]
        reasons = [r for p in physical for r in explain_reasons(p)]
        if reasons:
            sections += ["", "== Why Nodes Update =="] + reasons
        sections += ["", "== Optimized Execution Plan ==",
                     "\n".join(explain_physical(p, changelog=False) for p in physical)]
        sections += self._explain_state_recovery(physical)
        return "\n".join(sections) + "\n"

    def _explain_state_recovery(self, physical: list) -> list[str]:
        """With 'execution.state-recovery.path' set: which operators keep their state, which lose it."""
        from flowsql.exec.recovery import RECOVERY_PATH_KEYS

        path = next((self.config.get(k) for k in RECOVERY_PATH_KEYS if self.config.get(k)), None)
        if not path or self.config.is_batch:
            return []
        from flowsql.exec.checkpoint.compatibility import recovery_report
        from flowsql.exec.checkpoint.storage import resolve_recovery_path

        restored = resolve_recovery_path(path)
        return ["", f"== State Recovery from {restored.path} =="] + recovery_report(Job(physical, self.config), restored)

    @staticmethod
    def _explain_phases(sinks: list[Sink], traces: list[list]) -> list[str]:
        """``EXPLAIN PHASES``: the logical plan after each optimizer phase that changed it."""
        lines: list[str] = []
        previous = list(sinks)
        for index, (phase, _) in enumerate(traces[0] if traces else []):
            plans = [trace[index][1] for trace in traces]
            lines += ["", f"== Optimizer Phase {index + 1}: {phase} =="]
            if all(a == b for a, b in zip(plans, previous)):
                lines.append("(unchanged)")
            else:
                lines.append("\n".join(explain_tree(p) for p in plans))
            previous = plans
        return lines

    def _plan_sinks(self, stmt: st.Statement) -> list[Sink]:
        binder = self.binder()
        if isinstance(stmt, st.Query):
            plan = binder.bind_query(stmt.query)
            return [Sink(plan, None)]
        if isinstance(stmt, st.Insert):
            return [binder.bind_insert(stmt.table, stmt.query, stmt.columns)]
        if isinstance(stmt, st.StatementSet):
            return [binder.bind_insert(i.table, i.query, i.columns) for i in stmt.inserts]
        raise ValidationError("EXPLAIN takes a query, an INSERT or a statement set")

    # -- queries and jobs -------------------------------------------------------------------
    def _Query(self, s: st.Query) -> TableResult:
        plan = self.binder().bind_query(s.query)
        sink = optimize(Sink(plan, None), self.config)
        batch = self.config.is_batch
        physical = PhysicalPlanner(self.config, batch).plan(sink)
        names, types = plan.names, plan.types
        max_width = self.config.get_int("table.display.max-column-width")
        if batch:
            from flowsql.exec.batch import run_batch

            threads = self.config.get_int("parallelism.default")
            from flowsql.exec.job_metrics import plan_sources, skipped_record_warnings

            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, names, types,
                               batch_runner=lambda: run_batch(physical, threads), max_width=max_width,
                               warnings=lambda: skipped_record_warnings(plan_sources([physical])))
        job = Job([physical] + self._late_rows_roots(), self.config.copy(),
                  self.config.get("pipeline.name") or "collect", clock=self.env.clock)
        self.env.jobs.add(job)  # SHOW JOBS / SHOW WATERMARKS see queries too, as Flink lists them
        collector = job.collectors[0]
        return TableResult(ResultKind.SUCCESS_WITH_CONTENT, names, types, job=job, collector=collector,
                           is_streaming=True, max_width=max_width)

    def _Insert(self, s: st.Insert) -> TableResult:
        return self._insert(s)

    def _StatementSet(self, s: st.StatementSet) -> TableResult:
        return self._run_inserts(s.inserts)

    def _insert(self, s: st.Insert) -> TableResult:
        return self._run_inserts([s])

    def _run_inserts(self, inserts: list[st.Insert]) -> TableResult:
        binder = self.binder()
        sinks = [binder.bind_insert(i.table, i.query, i.columns) for i in inserts]
        batch = self.config.is_batch
        planner = PhysicalPlanner(self.config, batch)
        physical = [planner.plan(optimize(p, self.config)) for p in sinks]
        name = self.config.get("pipeline.name") or "insert-into_" + ",".join(".".join(p.path) for p in sinks)
        if batch:
            job = BatchInsertJob(physical, self.config, name)
        else:
            job = Job(physical + self._late_rows_roots(), self.config.copy(), name, clock=self.env.clock)
        self.env.jobs.add(job)
        job.start()
        result = TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["job id"], [STRING()], rows=[(job.job_id,)], job=job)
        if self.config.get_bool("table.dml-sync"):
            job.wait()
        return result

    def _late_rows_roots(self) -> list:
        """The late-rows side table of a streaming job, when 'flowsql.exec.late-rows.sink' names one."""
        from flowsql.planner.late_rows import late_rows_sink

        root = late_rows_sink(self.catalog, self.config)
        return [root] if root is not None else []

    def _BeginStatementSet(self, s) -> TableResult:
        raise ValidationError("BEGIN STATEMENT SET is a shell command",
                              hint="use EXECUTE STATEMENT SET BEGIN ... END, or the shell")

    def _ClientCommand(self, s: st.ClientCommand) -> TableResult:
        raise ValidationError(f"{s.command} is a shell command", hint="run it in the flowsql shell")


class BatchInsertJob(Job):
    """An INSERT in batch mode: one DuckDB query per sink, written as a single batch."""

    def __init__(self, roots, config, name) -> None:
        super().__init__([], config.copy(), name)
        self.roots = roots

    def run(self) -> None:
        from flowsql.exec.batch import run_batch
        from flowsql.exec.operators.sink import TableSinkOperator

        self.status.state = "RUNNING"
        self.start_time = time.time()
        try:
            for root in self.roots:
                op = TableSinkOperator(root.sink, root.sink.describe(), False)
                op.open(None)
                op.process(run_batch(root.inputs[0], self.config.get_int("parallelism.default")))
                op.finish()
                op.close()
            self.status.state = "FINISHED"
        except Exception as e:
            self.status.state = "FAILED"
            self.status.error = e if hasattr(e, "message") else PlanningError(f"{type(e).__name__}: {e}")
        finally:
            self.end_time = time.time()
            self.done_event.set()

