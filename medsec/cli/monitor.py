"""``medsec monitor``: read device syslog against the event catalogs of their profiles,
and export a catalog to SIEMs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import sys
import zoneinfo
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from medsec.cli.output import Format, FormatOption, console, errors
from medsec.errors import ConfigurationError, Error
from medsec.monitoring.catalog import Catalog, ProductRef
from medsec.monitoring.enrich import EnrichedEvent, Enricher
from medsec.monitoring.exports import cef, samples, sigma, wazuh
from medsec.monitoring.forward import ForwardFormat
from medsec.monitoring.intake import IntakeConfig, freeze_startup_objects
from medsec.monitoring.notify import NotifierConfig
from medsec.monitoring.syslog.framing import lines
from medsec.monitoring.syslog.parser import read_frame
from medsec.profiles.loader import load_profile
from medsec.settings import Settings

app = typer.Typer(
    help="Syslog monitoring: attribute device events to their catalog; SIEM exports.",
    no_args_is_help=True,
)

Profiles = Annotated[
    list[Path] | None,
    typer.Option("--profile", "-p", help="Profile of a product version the devices run."),
]
Assets = Annotated[
    Path | None,
    typer.Option("--assets", help="Assets map (YAML/JSON): address, hostname or serial → product."),
]


def time_zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigurationError(
            f"{name!r} is not a known time zone",
            hint="give an IANA name such as Europe/Berlin (MEDSEC_MONITOR_RFC3164_TIMEZONE)",
        ) from e


def enricher(profiles: list[Path], assets: Path | None) -> Enricher:
    from medsec.monitoring.assets_file import FileAssetDirectory

    loaded = [load_profile(p) for p in profiles]
    catalog = Catalog(loaded)
    directory = FileAssetDirectory.load(assets) if assets else FileAssetDirectory.empty()
    default = ProductRef.of(loaded[0]) if len(loaded) == 1 and assets is None else None
    return Enricher(catalog, directory, default_product=default)


def _text_line(event: EnrichedEvent) -> str:
    m = event.message
    if event.event_id is not None:
        return f"{event.event_id} [{event.severity}] {event.product}: {event.description}"
    where = m.parse_error if not m.parsed else event.reason_text
    return f"uncatalogued ({event.reason}): {where}: {m.raw[:120]!r}"


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


@app.command("parse")
def parse_command(
    profile: Profiles = None,
    assets: Assets = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Time zone of RFC 3164 senders [default: from settings, UTC]."),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(help="Receive time for every line (ISO 8601) [default: now]."),
    ] = None,
    format: FormatOption = Format.JSON,
) -> None:
    """Read syslog lines on stdin; print one JSON object per line (the parsed message,
    the attributed event and its enrichment), then the uncatalogued counts on stderr."""
    settings = Settings()
    zone = time_zone(timezone or settings.monitor_rfc3164_timezone)
    when = dt.datetime.now(dt.UTC)
    if received is not None:
        try:
            when = dt.datetime.fromisoformat(received)
        except ValueError as e:
            raise Error(f"--received {received!r} is not an ISO 8601 date-time") from e
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
    enrich = enricher(profile or [], assets)
    for frame in lines(_stdin(), settings.monitor_max_message_size):
        message = read_frame(frame, received=when, zone=zone)
        event = enrich.enrich(message)
        if format is Format.JSON:
            sys.stdout.write(json.dumps(event.as_json(), ensure_ascii=False) + "\n")
        else:
            console.print(_text_line(event), markup=False, highlight=False, soft_wrap=True)
    for product, count in enrich.uncatalogued.per_product().items():
        errors.print(f"uncatalogued: {product}: {count}", markup=False, highlight=False)


class ExportFormat(enum.StrEnum):
    SIGMA = "sigma"
    WAZUH = "wazuh"
    CEF_MAP = "cef-map"


@app.command("export")
def export_command(
    profile: Annotated[Path, typer.Argument(help="The profile whose event catalog to export.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write into.")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="What to export.")],
    rule_base: Annotated[
        int, typer.Option(help="Wazuh: first rule id (local range 100000–120000).")
    ] = wazuh.DEFAULT_RULE_BASE,
) -> None:
    """Export the catalog as Sigma rules, Wazuh decoder and rules, or a CEF/LEEF field
    mapping, with a sample message for each event (samples/<product>.log)."""
    loaded = load_profile(profile)
    slug = ProductRef.of(loaded).slug
    files: dict[str, str] = {}
    if format is ExportFormat.SIGMA:
        files |= {f.name: f.text for f in sigma.rules(loaded)}
    elif format is ExportFormat.WAZUH:
        exported = wazuh.export(loaded, rule_base)
        files |= {"medsec_rfc5424_decoders.xml": exported.decoders,
                  f"{slug}_rules.xml": exported.rules}  # fmt: skip
    else:
        mapping = cef.mapping(loaded)
        files[f"{slug}.cef-map.json"] = json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    files[f"samples/{slug}.log"] = samples.samples_log(loaded)
    # Everything is built (and validated) before the first file is written.
    try:
        for name, text in files.items():
            target = output / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise Error(f"cannot write the export into {output}: {e}") from e
    for name in files:
        console.print(str(output / name), markup=False, highlight=False)


class Store(enum.StrEnum):
    JSONL = "jsonl"
    DB = "db"


@app.command("listen")
def listen_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="JSON-lines file the events are appended to."),
    ] = None,
    store: Annotated[
        Store,
        typer.Option(help="Where events go: a JSON-lines file (--output) or the database."),
    ] = Store.JSONL,
    organization: Annotated[
        str | None,
        typer.Option(help="--store db: the organization whose inventory the devices are in."),
    ] = None,
    spool: Annotated[
        Path | None,
        typer.Option(
            help="--store db: spool file while the database is away "
            "[default: DATA_DIR/monitor-spool.jsonl]."
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            help="--store db: SMTP server HOST:PORT for alert emails [default: "
            "MEDSEC_SMTP_HOST and MEDSEC_SMTP_PORT]."
        ),
    ] = None,
    mail_from: Annotated[
        str | None, typer.Option(help="Sender of alert emails [default: MEDSEC_SMTP_FROM].")
    ] = None,
    alert_syslog: Annotated[
        str | None,
        typer.Option(
            help="--store db: collector HOST:PORT (TLS) for alerts that forward to syslog "
            "[default: MEDSEC_ALERT_SYSLOG_HOST and _PORT]."
        ),
    ] = None,
    alert_syslog_plain: Annotated[
        bool, typer.Option(help="Send alerts to the collector over plain TCP.")
    ] = False,
    profile: Profiles = None,
    assets: Assets = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",  # noqa: S104
    udp: Annotated[int | None, typer.Option("--udp", help="UDP port (RFC 5426).")] = None,
    tcp: Annotated[int | None, typer.Option("--tcp", help="TCP port (RFC 6587).")] = None,
    tls: Annotated[int | None, typer.Option("--tls", help="TLS port (RFC 5425): 6514.")] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Messages written per batch (at most).")
    ] = 500,
    reuse_port: Annotated[
        bool,
        typer.Option(
            "--reuse-port",
            help="SO_REUSEPORT on the TCP/TLS ports: run several listeners on one port "
            "(the kernel spreads connections over them).",
        ),
    ] = False,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    key: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    client_ca: Annotated[
        Path | None, typer.Option(help="Require client certificates signed by this CA (PEM).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of RFC 3164 senders [default: settings].")
    ] = None,
    forward: Annotated[
        str | None,
        typer.Option(help="Also forward every event to a SIEM collector at HOST:PORT (TLS)."),
    ] = None,
    forward_format: Annotated[
        ForwardFormat, typer.Option(help="What the forwarded messages carry.")
    ] = ForwardFormat.CEF,
    forward_plain: Annotated[
        bool, typer.Option(help="Forward over plain TCP instead of TLS.")
    ] = False,
    forward_ca: Annotated[
        Path | None, typer.Option(help="CA (PEM) that signed the collector's certificate.")
    ] = None,
) -> None:
    """Receive syslog on UDP, TCP and TLS, attribute and enrich each message, and append
    it to OUTPUT (and forward it to a collector), until interrupted (Ctrl-C or SIGTERM)."""
    import asyncio
    import signal

    from medsec.monitoring.forward import Forwarder
    from medsec.monitoring.intake import Intake, TlsConfig
    from medsec.monitoring.interfaces import Sink
    from medsec.monitoring.sinks import FanOutSink, ForwardingSink, JsonLinesSink
    from medsec.monitoring.syslog.transport import TcpSender

    settings = Settings()
    if udp is None and tcp is None and tls is None:
        raise Error("nothing to listen on", hint="give --udp, --tcp and/or --tls with a port")
    cert = cert or settings.monitor_tls_cert_file
    key = key or settings.monitor_tls_key_file
    client_ca = client_ca or settings.monitor_tls_client_ca_file
    config = IntakeConfig(
        host=host, udp_port=udp, tcp_port=tcp, tls_port=tls,
        tls=TlsConfig(cert, key, client_ca) if cert and key else None,
        max_size=settings.monitor_max_message_size,
        zone=time_zone(timezone or settings.monitor_rfc3164_timezone), reuse_port=reuse_port,
        batch_size=batch_size,
    )  # fmt: skip
    if store is Store.DB:
        if output is not None or profile or assets is not None:
            raise Error(
                "--store db takes assets and profiles from the inventory",
                hint="leave out --output, --profile and --assets",
            )
        notify = NotifierConfig.from_settings(settings)
        if smtp:
            smtp_host, smtp_port = collector(smtp, "--smtp")
            notify = dataclasses.replace(notify, smtp_host=smtp_host, smtp_port=smtp_port)
        if mail_from:
            notify = dataclasses.replace(notify, mail_from=mail_from)
        if alert_syslog:
            syslog_host, syslog_port = collector(alert_syslog, "--alert-syslog")
            notify = dataclasses.replace(notify, syslog_host=syslog_host, syslog_port=syslog_port)
        if alert_syslog_plain:
            notify = dataclasses.replace(notify, syslog_tls=False)
        _listen_db(config, host, organization, spool, settings, notify)
        return
    if output is None:
        raise Error("--store jsonl needs --output FILE", hint="or use --store db")
    enrich = enricher(profile or [], assets)
    destination = collector(forward) if forward else None
    file_sink = JsonLinesSink(output)
    sink: Sink = file_sink
    forwarding: ForwardingSink | None = None
    if destination is not None:
        collector_host, collector_port = destination
        forwarding = ForwardingSink(
            Forwarder(forward_format),
            lambda: TcpSender(
                collector_host, collector_port, tls=not forward_plain, ca_file=forward_ca,
                hint="check --forward HOST:PORT", ca_hint="--forward-ca",
            ),
        )  # fmt: skip
        sink = FanOutSink(file_sink, forwarding)

    async def run() -> None:
        intake = Intake(config, enrich, sink)
        await intake.start()
        freeze_startup_objects()
        for name, port in intake.ports.items():
            errors.print(f"listening on {name}://{host}:{port}", markup=False, highlight=False)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        await stopped.wait()
        await intake.stop()
        s = intake.stats
        errors.print(
            f"received {s.received}, written {s.written}, truncated {s.truncated}, "
            f"unparsed {s.unparsed}, UDP dropped {s.dropped}",
            markup=False, highlight=False,
        )  # fmt: skip
        for product, count in enrich.uncatalogued.per_product().items():
            errors.print(f"uncatalogued: {product}: {count}", markup=False, highlight=False)

    try:
        asyncio.run(run())
    finally:
        file_sink.close()
        if forwarding is not None:
            forwarding.close()


def _listen_db(
    config: IntakeConfig, host: str, organization: str | None, spool: Path | None,
    settings: Settings, notify: NotifierConfig,
) -> None:  # fmt: skip
    import asyncio
    import signal

    from medsec.monitoring.alerts import AlertEngine
    from medsec.monitoring.delivery import RetryPolicy
    from medsec.monitoring.listener import DatabaseListener, organization_id
    from medsec.service import Instance

    instance = Instance.from_settings(settings)
    org_id = organization_id(instance.db, organization)
    engine = AlertEngine.from_settings(instance.db, notify, RetryPolicy.from_settings(settings))
    listener = DatabaseListener(
        instance.db, org_id, config, spool or settings.data_dir / "monitor-spool.jsonl",
        after_insert=[engine.after_insert], periodic=[engine.periodic],
    )  # fmt: skip

    async def run() -> None:
        await listener.start()
        freeze_startup_objects()
        for name, port in listener.intake.ports.items():
            errors.print(f"listening on {name}://{host}:{port}", markup=False, highlight=False)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        await stopped.wait()
        await listener.stop()
        s, k = listener.intake.stats, listener.sink.stats
        errors.print(
            f"received {s.received}, stored {listener.store.stats.inserted}, "
            f"spooled {k.spooled}, replayed {k.replayed}, UDP dropped {s.dropped}",
            markup=False, highlight=False,
        )  # fmt: skip

    try:
        asyncio.run(run())
    finally:
        instance.db.dispose()


def collector(text: str, option: str = "--forward") -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT``."""
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise Error(f"{option} {text!r} is not HOST:PORT", hint="e.g. siem.example:6514")
    return host, int(port)


@app.command("uncatalogued")
def uncatalogued_command(
    files: Annotated[list[Path], typer.Argument(help="JSON-lines files of enriched events.")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Report the messages no catalog event matched, per product, with counts and an
    example each: the list to send back to the manufacturer."""
    from rich.table import Table

    from medsec.cli.output import print_json
    from medsec.monitoring.report import read_events

    rows = read_events(files).rows()
    if format is Format.JSON:
        print_json([
            {"product": r.product, "app_name": r.app_name, "msgid": r.msgid,
             "reason": str(r.reason), "count": r.count, "example": r.example}
            for r in rows
        ])  # fmt: skip
        return
    table = Table("product", "count", "APP-NAME", "MSGID", "reason", "example")
    for r in rows:
        table.add_row(r.product, str(r.count), r.app_name or "-", r.msgid or "-",
                      str(r.reason), r.example[:80])  # fmt: skip
    console.print(table)
