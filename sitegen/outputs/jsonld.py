"""schema.org JSON-LD for record pages and the home page, and the script element that carries it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from .. import models as m
from ..graph import Site
from ..routes import Urls, record_path
from ..values.dates import CHINA
from ..values.hours import Hours
from ..values.phones import Phone

CONTEXT = "https://schema.org"
SCHEMA = "https://schema.org/"
# China has kept one offset, without daylight saving, since 1991.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVENT_STATUS = {
    "scheduled": "EventScheduled",
    "held": "EventScheduled",  # schema.org has no "took place": a held event kept its schedule
    "cancelled": "EventCancelled",
    # EventRescheduled would move this event's startDate to new_date, but the rescheduled session
    # is its own record with its own time and place; this one stays where it was, postponed.
    "postponed": "EventPostponed",
}
# 已修订: a revised document's own text is no longer the one in force (its superseded_by is).
LEGAL_FORCE = {"现行有效": "InForce", "已修订": "NotInForce", "已废止": "NotInForce", "已失效": "NotInForce"}
# Inside <script>, "</script>" or "<!--" in a string would end or confuse the element; JSON lets
# these characters be written as escapes, which parse back to the same text.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})

_STOPS = ("。", "；", "！", "？", ";", ".")

JsonLd = dict[str, Any]


def jsonld(record: Any, site: Site, urls: Urls) -> JsonLd | None:
    """The block for a record's page (a session's for the pages that list it), or None."""
    block: JsonLd
    if isinstance(record, m.Department):
        block = _department(record, site, urls)
    elif isinstance(record, m.Procedure):
        block = _procedure(record, site, urls)
    elif isinstance(record, m.Session):
        block = _session(record, site, urls)
    elif isinstance(record, m.Policy):
        block = _policy(record, site, urls)
    elif isinstance(record, m.Hall):
        block = _hall(record, site, urls)
    else:
        return None
    return {"@context": CONTEXT, **block}


def jsonld_graph(records: Iterable[Any], site: Site, urls: Urls) -> JsonLd | None:
    """Several records in one block (the sessions on /receptions/ or a leader's page), or None."""
    nodes = []
    for record in records:
        block = jsonld(record, site, urls)
        if block is not None:
            nodes.append({k: v for k, v in block.items() if k != "@context"})
    return {"@context": CONTEXT, "@graph": nodes} if nodes else None


def site_jsonld(site: Site, urls: Urls) -> JsonLd:
    """The home page: the organization, with its duty phone and main units, and the website."""
    org = site.config.organization
    home = urls.absolute("")
    address = {"@type": "PostalAddress", "streetAddress": org.address, "addressCountry": "CN"}
    if org.postcode:
        address["postalCode"] = org.postcode
    organization = {
        **organization_ref(site, urls),
        "address": address,
        "telephone": telephone(org.duty_phone),
        "contactPoint": [_contact_point("值班电话", org.duty_phone)],
        "location": {"@type": "Place", "address": org.address, "openingHoursSpecification": opening_hours(org.hours)},
        "department": [_ref("GovernmentOrganization", d.name, _url(urls, d)) for d in site.top_departments],
    }
    website = {
        "@type": "WebSite",
        "@id": home + "#website",
        "name": site.config.title,
        "url": home,
        "inLanguage": site.config.language,
        "publisher": {"@id": home + "#organization"},
    }
    return {"@context": CONTEXT, "@graph": [organization, website]}


def script_tag(data: JsonLd) -> str:
    """`<script type="application/ld+json">`; no text in the data can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f'<script type="application/ld+json">{text.translate(_SCRIPT_ESCAPES)}</script>'


# --- shared values ---------------------------------------------------------------------------


def organization_ref(site: Site, urls: Urls) -> JsonLd:
    home = urls.absolute("")
    return {"@type": "GovernmentOrganization", "@id": home + "#organization",
            "name": site.config.organization.name, "url": home}


def telephone(phone: Phone) -> str:
    """The international form of RFC 3966 (+86-27-87654321, 12345), as schema.org recommends."""
    return phone.tel.removeprefix("tel:")


def opening_hours(hours: Hours) -> list[JsonLd]:
    """One OpeningHoursSpecification per time range; 24:00 closes at 23:59, as schema.org advises."""
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [SCHEMA + _DAYS[day] for day in rule.days],
            "opens": _clock(span.start),
            "closes": _clock(min(span.end, 24 * 60 - 1)),
        }
        for rule in hours.rules
        for span in rule.ranges
    ]


def iso_datetime(date: dt.date, minutes: int) -> str:
    """2026-12-10T09:00:00+08:00; minute 1440 is the next day's midnight."""
    return (dt.datetime.combine(date, dt.time(), CHINA) + dt.timedelta(minutes=minutes)).isoformat()


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _url(urls: Urls, record: Any) -> str:
    return urls.absolute(record_path(record))


def _ref(kind: str, name: str, url: str | None = None) -> JsonLd:
    ref: JsonLd = {"@type": kind, "name": name}
    if url is not None:
        ref["url"] = url
    return ref


def _contact_point(label: str, phone: Phone) -> JsonLd:
    return {"@type": "ContactPoint", "contactType": label, "telephone": telephone(phone)}


def _sentences(texts: Sequence[str]) -> str:
    """Items as one text: “；” between them unless an item already ends a sentence."""
    return "".join(t if i == len(texts) - 1 or t.endswith(_STOPS) else t + "；" for i, t in enumerate(texts))


# --- one function per record kind ------------------------------------------------------------


def _department(d: m.Department, site: Site, urls: Urls) -> JsonLd:
    block: JsonLd = {
        "@type": "GovernmentOrganization",
        "@id": _url(urls, d) + "#organization",
        "name": d.name,
        "url": _url(urls, d),
        "address": d.location,
        "description": _sentences(d.duties),
        # The hours are the office's (where the unit receives people), not necessarily each phone's.
        "location": {"@type": "Place", "address": d.location,
                     "openingHoursSpecification": opening_hours(site.hours_of_department(d))},
        "contactPoint": [_contact_point(p.label, p.phone) for p in d.phones],
        # A unit without a parent unit is part of the organization the site belongs to.
        "parentOrganization": (organization_ref(site, urls) if d.parent is None else
                               _ref("GovernmentOrganization", site.department(d.parent).name,
                                    _url(urls, site.department(d.parent)))),
    }
    if d.phones:
        block["telephone"] = telephone(d.phones[0].phone)
    if d.email:
        block["email"] = d.email
    return block


def _procedure(p: m.Procedure, site: Site, urls: Urls) -> JsonLd:
    department = site.department(p.department)
    location: JsonLd = {"@type": "Place", "name": p.location,
                        "openingHoursSpecification": opening_hours(site.hours_of_procedure(p))}
    if p.hall is not None:
        location["address"] = {"@type": "PostalAddress", "streetAddress": site.hall(p.hall).address,
                               "addressCountry": "CN"}
    phones = [_contact_point("咨询电话", x) for x in p.phones.consult]
    phones += [_contact_point("投诉电话", x) for x in p.phones.complaint]
    channels: list[JsonLd] = [
        {"@type": "ServiceChannel", "name": "现场办理", "serviceLocation": location, "servicePhone": phones}
    ]
    if p.online_url is not None:
        channels.append({"@type": "ServiceChannel", "name": "网上办理", "serviceUrl": p.online_url})
    offer: JsonLd = {"@type": "Offer", "description": p.fee}
    if p.fee == "不收费":
        offer.update(price=0, priceCurrency="CNY")
    block: JsonLd = {
        "@type": "GovernmentService",
        "name": p.title,
        "url": _url(urls, p),
        "serviceType": p.category,
        "provider": _ref("GovernmentOrganization", department.name, _url(urls, department)),
        "availableChannel": channels,
        "offers": offer,
    }
    if p.code:
        block["identifier"] = p.code
    return block


def _session(s: m.Session, site: Site, urls: Urls) -> JsonLd:
    leader = site.leader(s.leader)
    description = [f"{leader.position}{leader.name}{s.method}。"]
    if s.topics:
        description.append(f"接访事项：{s.topics}")
    if s.reason:
        description.append(f"{'取消' if s.status == 'cancelled' else '延期'}原因：{s.reason}")
    return {
        "@type": "Event",
        "@id": urls.absolute("receptions/") + "#" + s.id,
        "identifier": s.id,
        "name": f"领导接访：{leader.name}（{s.method}）",
        "description": _sentences(description),
        "startDate": iso_datetime(s.date, s.time.start),
        "endDate": iso_datetime(s.date, s.time.end),
        "eventStatus": SCHEMA + EVENT_STATUS[s.status],
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": {"@type": "Place", "name": s.location, "address": s.location},
        "organizer": [
            {"@type": "Person", "name": leader.name, "jobTitle": leader.position, "url": _url(urls, leader)},
            organization_ref(site, urls),
        ],
        "isAccessibleForFree": True,
        "url": urls.absolute("receptions/"),
    }


def _policy(p: m.Policy, site: Site, urls: Urls) -> JsonLd:
    issuers = [_ref("GovernmentOrganization", name) for name in p.issuer]
    block: JsonLd = {
        "@type": "Legislation",
        "name": p.title,
        "url": _url(urls, p),
        "legislationDate": p.issued.isoformat(),
        "datePublished": p.published.isoformat(),
        "legislationPassedBy": issuers,
        "author": issuers,
        "publisher": organization_ref(site, urls),
        "legislationLegalForce": SCHEMA + LEGAL_FORCE[p.status],
        "inLanguage": site.config.language,
    }
    if p.doc_number:
        block["legislationIdentifier"] = p.doc_number
    # In the order of site.policies (newest first), read from the index rather than every policy.
    replaced = sorted(site.superseding.get(p.slug, ()), key=lambda q: (-q.published.toordinal(), q.slug))
    if replaced:
        block["legislationChanges"] = [_ref("Legislation", q.title, _url(urls, q)) for q in replaced]
    return block


def _hall(h: m.Hall, site: Site, urls: Urls) -> JsonLd:
    block: JsonLd = {
        "@type": "GovernmentOffice",
        "name": h.name,
        "url": _url(urls, h),
        "address": {"@type": "PostalAddress", "streetAddress": h.address, "addressCountry": "CN"},
        "contactPoint": [_contact_point(p.label, p.phone) for p in h.phones],
        "openingHoursSpecification": opening_hours(h.hours),
        "parentOrganization": organization_ref(site, urls),
    }
    if h.phones:
        block["telephone"] = telephone(h.phones[0].phone)
    if h.accessibility:
        block["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": item, "value": True} for item in h.accessibility
        ]
    return block
