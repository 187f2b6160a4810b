"""Commands on single records and lists of them: init, add, list, show."""

import functools
import inspect
from typing import Annotated, Any, Optional

import typer

from casefile import errors, model
from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    ReadFormat,
    boundary,
    data_out,
    date_order,
    db_path,
    draw,
    err,
    named_as_typed,
    open_store,
    read_id,
    report_findings,
    report_new_organizations,
    stdin_is_terminal,
    stdout_is_terminal,
    validator_for,
    with_filters,
)
from casefile.cli.orgchoices import NewOrg, ask_organization, org_choices

app = typer.Typer(rich_markup_mode=None)


@app.command()
@boundary
def init(
    encrypted: Annotated[
        bool, typer.Option("--encrypted", help="Encrypt the new database (SQLCipher; the 'encrypted' extra).")
    ] = False,
) -> None:
    """Create the database (mode 0600 in a 0700 folder), encrypted if asked.

    Example: casefile --db ~/research/cases.db --key-file ~/cases.key init --encrypted
    """
    import importlib.util

    from casefile import errors

    path = db_path()
    existed = path.exists() and path.stat().st_size > 0
    if encrypted and existed:
        raise errors.UsageError(f"{path} exists; --encrypted only makes a new database (export, then import into one)")
    if encrypted and importlib.util.find_spec("sqlcipher3") is None:
        raise errors.CasefileError("encryption needs the optional extra: pip install 'casefile[encrypted]'")
    open_store(create=True, encrypt=encrypted).close()
    err(f"{'database already exists' if existed else 'created'}{' (encrypted)' if encrypted else ''}: {path}")


# ----------------------------------------------------------------------------------------------- add


def _field_params() -> list[inspect.Parameter]:
    params = []
    for f in model.FIELDS:
        if f.kind == "id":
            continue
        annotation = Optional[list[str]] if f.multi else Optional[str]
        text = f.help + (" Repeat for several." if f.multi else "")
        option = typer.Option(*f.option_flags, help=text, rich_help_panel="Fields")
        params.append(
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[annotation, option]
            )
        )
    return params


def _with_field_options(fn: Any) -> Any:
    """Give ``add`` one option per registry field; the command receives them as ``fields: dict``."""
    sig = inspect.signature(fn)
    own = [p for p in sig.parameters.values() if p.name != "fields"]
    params = _field_params()

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        given = {p.name: kwargs.pop(p.name) for p in params}
        fields = {k: ("; ".join(v) if isinstance(v, list) else v) for k, v in given.items() if v not in (None, [])}
        return fn(fields=fields, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + params)  # type: ignore[attr-defined]
    return wrapper


def _prompt_missing(fields: dict[str, Any], validator: Any) -> None:
    """Ask for the main fields not given as flags, each answer checked as it is typed: a bad one is refused at its
    prompt with the reason and asked again (an empty answer leaves the field out), so nothing typed is lost."""
    for name in model.PROMPTED:
        if name in fields:
            continue
        f = model.FIELD_BY_NAME[name]
        hint = f" ({'/'.join(sorted(_codes(f.vocab)))})" if f.vocab else ""
        while True:
            answer = typer.prompt(f"{name.replace('_', ' ')}{hint}", default="", show_default=False, err=True)
            if not answer:
                break
            problems = _problems(validator, {name: answer})
            if problems:
                err(f"  {problems[0].reason}; try again, or leave it empty")
                continue
            fields[name] = answer
            break


def _check_flags(fields: dict[str, Any], validator: Any) -> None:
    """Refuse a bad field given as a flag before any question is asked (named by its flag)."""
    problems = _problems(validator, fields)
    if problems:
        with named_as_typed({f.name: f.option_flags[0] for f in model.FIELDS}):
            raise errors.InvalidRecord(problems)


def _problems(validator: Any, raw: dict[str, Any]) -> list[Any]:
    """What is wrong with these values, unreadable dates included (which validation leaves to the write)."""
    try:
        return list(validator.validate(raw).deferred.values())
    except errors.InvalidRecord as exc:
        return list(exc.problems)


def _answer_validator(order: Any, keep_unparsed: bool) -> Any:
    """The validator prompted answers are checked with: with the codes users added, when there is a database."""
    from casefile import validation

    path = db_path()
    if path.exists() and path.stat().st_size > 0:
        return validator_for(open_store(), order, keep_unparsed)
    return validation.Validator(validation.Options(order=order, keep_unparsed_dates=keep_unparsed))


_NOTHING_TO_ADD = (
    "give at least one field, e.g. "
    + ", ".join(model.FIELD_BY_NAME[name].option_flags[0] + " …" for name in model.PROMPTED)
    + " (every field: casefile add --help), or --from-json FILE|-"
)


def _codes(vocabulary: str) -> frozenset[str]:
    from casefile import vocab

    return vocab.codes(vocabulary)


def _anchors(given: list[str], fields: dict[str, Any]) -> dict[str, str]:
    """``--anchor left=joined`` as the ``left_anchor`` companion of a date given on the command line."""
    out = {}
    for item in given:
        name, _, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if name not in model.DATE_FIELDS or not value.strip():
            raise errors.UsageError(
                f"--anchor takes DATE=FROM with DATE one of {', '.join(model.DATE_FIELDS)}, e.g. --anchor left=joined"
            )
        if name not in fields:
            raise errors.UsageError(f"--anchor {name}=… needs --{name.replace('_', '-')} too")
        out[f"{name}_anchor"] = value.strip()
    return out


FromJson = Annotated[
    Optional[str],
    typer.Option("--from-json", metavar="FILE", help="Add the records in this JSON file ('-': stdin)."),
]
Anchors = Annotated[
    Optional[list[str]],
    typer.Option(
        "--anchor",
        metavar="DATE=FROM",
        help="What a relative date counts from: left=joined ('four years later'), joined=source (the default for "
        "'last year', '18 August'), left=birth_year, or left=2010-03-21. Repeat for several.",
    ),
]
NoInput = Annotated[
    bool, typer.Option("--no-input", help="Never prompt (casefile prompts only when stdin is a terminal).")
]
FromDraft = Annotated[
    Optional[str],
    typer.Option("--from-draft", metavar="FILE", help="File a draft written by `ingest --draft-out` ('-': stdin)."),
]
Reviewed = Annotated[
    bool, typer.Option("--reviewed", help="With --from-draft: a person checked the draft (else review=unreviewed).")
]
WithoutOriginal = Annotated[
    bool,
    typer.Option(
        "--without-original",
        help="With --from-draft: file it without archiving the text it was drafted from (gone, changed, stdin).",
    ),
]


@app.command()
@boundary
@_with_field_options
def add(
    fields: dict[str, Any],
    from_json: FromJson = None,
    anchor: Anchors = None,
    from_draft: FromDraft = None,
    reviewed: Reviewed = False,
    without_original: WithoutOriginal = False,
    no_input: NoInput = False,
    new_org: NewOrg = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Add an account; prints its new id (only the id) on stdout.

    On a terminal casefile asks for the main fields you left out, unless --no-input; elsewhere (a script,
    `< /dev/null`) it never waits for an answer. Give at least one field, or --from-json.

    Example: casefile add --name "A. Rahimi" --org MEK --left "around 2023" --reason no_future
    """
    from casefile import pipeline

    if from_draft is not None:
        return _add_from_draft(from_draft, reviewed, without_original, fields)
    if from_json is not None and fields:
        raise errors.UsageError("--from-json takes the fields from the file; leave out the field options")
    if from_json is None and not no_input and stdin_is_terminal():
        checker = _answer_validator(date_order(dayfirst, monthfirst), keep_unparsed_dates)
        _check_flags(fields, checker)
        _prompt_missing(fields, checker)
    if from_json is None and not fields:
        raise errors.UsageError(_NOTHING_TO_ADD)
    fields.update(_anchors(anchor or [], fields))
    store = open_store(create=True)
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    use = "write {known} in the file" if from_json is not None else "give --org {known}"
    orgs = org_choices(new_org, use + " to use it, or --new-org to create a new organisation")
    if from_json is None and fields.get("organization"):
        fields["organization"] = ask_organization(store, fields["organization"], orgs, no_input)
    if from_json is None:
        items = pipeline.validate_items([("", None, None, fields, None)], validator)
    else:
        stream = pipeline.json_object_or_list(from_json)
        items = pipeline.file_items(from_json, "json", encoding="utf-8", validator=validator, stream=stream)
    typed = {} if from_json is not None else {f.name: f.option_flags[0] for f in model.FIELDS}
    with named_as_typed(typed):
        counts = pipeline.add_records(store, items, orgs=orgs)
    data_out().write("".join(f"{i}\n" for i in counts.ids))
    report_new_organizations(counts.new_organizations)
    report_findings(store)


def _add_from_draft(path: str, reviewed: bool, without_original: bool, fields: dict[str, Any]) -> None:
    """File a draft written by `ingest --draft-out` (as amended): marked unreviewed unless --reviewed; the
    original it names is archived with it (refused when it changed or is gone, unless --without-original)."""
    from casefile import ingesting

    if fields:
        raise errors.UsageError("--from-draft takes the fields from the draft; leave out the field options")
    draft = ingesting.load_draft(path)
    original = ingesting.original_of(draft, path, without_original)
    try:
        store = open_store(create=True)
        record = ingesting.record_of(draft)
        new_id, new_orgs = ingesting.file_record(store, record, reviewed=reviewed, name=path, original=original)
    finally:
        if original is not None:
            ingesting.done_with(original)
    data_out().write(new_id + "\n")
    report_new_organizations(new_orgs)


# ---------------------------------------------------------------------------------------------- list


ListFormat = Annotated[
    ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")
]


@app.command("list")
@boundary
@with_filters
def list_(
    flt: model.Filter,
    fmt: Annotated[
        ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")
    ] = ReadFormat.table,
) -> None:
    """List accounts, newest last; filters combine.

    Example: casefile list --org MEK --since 2015 --sort left
    """
    store = open_store()
    if fmt is ReadFormat.table and not stdout_is_terminal():
        from casefile.render import write_plain_rows

        write_plain_rows(store.list_rows(flt), data_out())
        return
    accounts = store.query(flt, nested=fmt in (ReadFormat.json, ReadFormat.jsonl))
    if fmt is not ReadFormat.table:
        from casefile import exporters

        exporters.write_accounts(fmt.value, accounts, data_out(), safe_csv=True)
        return
    from casefile.render import account_table

    table, count = account_table(accounts)
    if count:
        draw(table)
    else:
        err("no accounts match")


# ---------------------------------------------------------------------------------------------- show


@app.command()
@boundary
def show(
    account_id: Annotated[str, typer.Argument(metavar="ID", help="An id, a unique prefix of one, or an external id.")],
    fmt: Annotated[
        ReadFormat,
        typer.Option("--format", "-f", help="table (plain field: value lines when piped), json, jsonl, csv."),
    ] = ReadFormat.table,
) -> None:
    """Show one account in full.

    Example: casefile show 3f9a
    """
    store = open_store()
    account = store.get(read_id(store, account_id))
    if fmt in (ReadFormat.json, ReadFormat.jsonl):
        import json

        data_out().write(
            json.dumps(model.to_json_dict(account), ensure_ascii=False, indent=2 if fmt is ReadFormat.json else None)
            + "\n"
        )
    elif fmt is ReadFormat.csv:
        from casefile import exporters

        exporters.write_accounts("csv", [account], data_out())
    elif stdout_is_terminal():
        from casefile.render import account_panel

        draw(account_panel(account))
    else:
        from casefile.render import write_plain_show

        write_plain_show(account, data_out())
