"""A deterministic synthetic sample of published extracts, for tests and benchmarks.

The sample has the shape of the real publication: one file per site and day,
in the layout of ``layout.py``, with long-tailed site sizes, a weekly cycle,
slow trends, traffic sources and devices that add up, and Zipf-like top pages
and referrers. A few site-days are written with the header only (no measured
traffic) and a few have no file at all (missing), so the warehouse has both
cases to tell apart.

Every random draw comes from a local generator seeded from the sample's seed,
the site's host and the day, so a site-day's file is the same bytes whatever
else is generated and in whatever order. Sites are generated one at a time
and each file is written with one call, so memory stays flat at any size.
"""

from __future__ import annotations

import csv
import logging
import math
import random
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ingest import layout

log = logging.getLogger(__name__)

REGISTRY_PATH = Path(__file__).resolve().parents[1] / "seeds" / "sites.csv"
DEFAULT_END = date(2024, 6, 30)
DEFAULT_DAYS = 60
DEFAULT_SITES = 20
DEFAULT_SEED = 20240630
DEFAULT_HEADER_ONLY_FRACTION = 0.003
DEFAULT_MISSING_FRACTION = 0.003


@dataclass(frozen=True)
class Site:
    """A site of the sample: its host, its name, its ministry and its usual size."""

    host: str
    name: str
    ministry: str
    typical_daily_visits: int = 8000


@dataclass(frozen=True)
class SiteDay:
    site: str
    day: date


@dataclass(frozen=True)
class SampleSummary:
    """What ``generate`` wrote."""

    out_dir: Path
    files_written: int
    lines_written: int  # data lines; the header line of each file is not counted
    sites: int
    first_day: date
    last_day: date
    header_only: tuple[SiteDay, ...]  # files holding the header only
    missing: tuple[SiteDay, ...]  # site-days without a file
    seconds: float = field(default=0.0, compare=False)

    @property
    def lines_per_second(self) -> float:
        return self.lines_written / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------------------
# Sites: the registry first, then hosts built from real French names.

PRIME_MINISTER = "Premier ministre"
INTERIOR = "Ministère de l'Intérieur et des Outre-mer"
FOREIGN_AFFAIRS = "Ministère de l'Europe et des Affaires étrangères"
EDUCATION = "Ministère de l'Éducation nationale et de la Jeunesse"
HEALTH = "Ministère du Travail, de la Santé et des Solidarités"
ECOLOGY = "Ministère de la Transition écologique et de la Cohésion des territoires"
AGRICULTURE = "Ministère de l'Agriculture et de la Souveraineté alimentaire"
ECONOMY = "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique"
HIGHER_EDUCATION = "Ministère de l'Enseignement supérieur et de la Recherche"
CIVIL_SERVICE = "Ministère de la Transformation et de la Fonction publiques"


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


_DEPARTEMENTS = _lines("""
    Ain
    Aisne
    Allier
    Alpes-de-Haute-Provence
    Hautes-Alpes
    Alpes-Maritimes
    Ardèche
    Ardennes
    Ariège
    Aube
    Aude
    Aveyron
    Bouches-du-Rhône
    Calvados
    Cantal
    Charente
    Charente-Maritime
    Cher
    Corrèze
    Corse-du-Sud
    Haute-Corse
    Côte-d'Or
    Côtes-d'Armor
    Creuse
    Dordogne
    Doubs
    Drôme
    Eure
    Eure-et-Loir
    Finistère
    Gard
    Haute-Garonne
    Gers
    Gironde
    Hérault
    Ille-et-Vilaine
    Indre
    Indre-et-Loire
    Isère
    Jura
    Landes
    Loir-et-Cher
    Loire
    Haute-Loire
    Loire-Atlantique
    Loiret
    Lot
    Lot-et-Garonne
    Lozère
    Maine-et-Loire
    Manche
    Marne
    Haute-Marne
    Mayenne
    Meurthe-et-Moselle
    Meuse
    Morbihan
    Moselle
    Nièvre
    Nord
    Oise
    Orne
    Pas-de-Calais
    Puy-de-Dôme
    Pyrénées-Atlantiques
    Hautes-Pyrénées
    Pyrénées-Orientales
    Bas-Rhin
    Haut-Rhin
    Rhône
    Haute-Saône
    Saône-et-Loire
    Sarthe
    Savoie
    Haute-Savoie
    Paris
    Seine-Maritime
    Seine-et-Marne
    Yvelines
    Deux-Sèvres
    Somme
    Tarn
    Tarn-et-Garonne
    Var
    Vaucluse
    Vendée
    Vienne
    Haute-Vienne
    Vosges
    Yonne
    Territoire de Belfort
    Essonne
    Hauts-de-Seine
    Seine-Saint-Denis
    Val-de-Marne
    Val-d'Oise
    Guadeloupe
    Martinique
    Guyane
    La Réunion
    Mayotte
""")

# ISO country code (``uk`` as the embassies' hosts spell it) and French name.
_COUNTRIES = _lines("""
    de Allemagne
    at Autriche
    be Belgique
    bg Bulgarie
    cy Chypre
    hr Croatie
    dk Danemark
    es Espagne
    ee Estonie
    fi Finlande
    gr Grèce
    hu Hongrie
    ie Irlande
    it Italie
    lv Lettonie
    lt Lituanie
    lu Luxembourg
    mt Malte
    nl Pays-Bas
    pl Pologne
    pt Portugal
    cz Tchéquie
    ro Roumanie
    sk Slovaquie
    si Slovénie
    se Suède
    uk Royaume-Uni
    ch Suisse
    no Norvège
    is Islande
    al Albanie
    ba Bosnie-Herzégovine
    rs Serbie
    me Monténégro
    mk Macédoine du Nord
    md Moldavie
    ua Ukraine
    ge Géorgie
    am Arménie
    az Azerbaïdjan
    tr Turquie
    il Israël
    lb Liban
    jo Jordanie
    eg Égypte
    sa Arabie saoudite
    ae Émirats arabes unis
    qa Qatar
    kw Koweït
    om Oman
    bh Bahreïn
    iq Irak
    ma Maroc
    dz Algérie
    tn Tunisie
    sn Sénégal
    ml Mali
    ci Côte d'Ivoire
    bf Burkina Faso
    ne Niger
    td Tchad
    cm Cameroun
    ga Gabon
    cg Congo
    cd République démocratique du Congo
    bj Bénin
    tg Togo
    gn Guinée
    mr Mauritanie
    mg Madagascar
    mu Maurice
    km Comores
    dj Djibouti
    et Éthiopie
    ke Kenya
    tz Tanzanie
    ug Ouganda
    rw Rwanda
    ao Angola
    mz Mozambique
    za Afrique du Sud
    ng Nigeria
    gh Ghana
    us États-Unis
    ca Canada
    mx Mexique
    br Brésil
    ar Argentine
    cl Chili
    pe Pérou
    co Colombie
    ec Équateur
    bo Bolivie
    uy Uruguay
    py Paraguay
    cu Cuba
    ht Haïti
    do République dominicaine
    cr Costa Rica
    pa Panama
    gt Guatemala
    cn Chine
    jp Japon
    kr Corée du Sud
    in Inde
    pk Pakistan
    bd Bangladesh
    lk Sri Lanka
    np Népal
    th Thaïlande
    vn Vietnam
    kh Cambodge
    la Laos
    my Malaisie
    sg Singapour
    id Indonésie
    ph Philippines
    au Australie
    nz Nouvelle-Zélande
    fj Fidji
    vu Vanuatu
    kz Kazakhstan
    uz Ouzbékistan
    mn Mongolie
""")

_CONSULATES = _lines("""
    Montréal
    Québec
    Toronto
    Vancouver
    Moncton
    New York
    Boston
    Chicago
    Miami
    Atlanta
    Houston
    La Nouvelle-Orléans
    San Francisco
    Los Angeles
    Genève
    Zurich
    Munich
    Francfort
    Stuttgart
    Düsseldorf
    Sarrebruck
    Hambourg
    Barcelone
    Bilbao
    Séville
    Milan
    Naples
    Anvers
    Casablanca
    Fès
    Marrakech
    Tanger
    Agadir
    Oran
    Annaba
    Shanghai
    Canton
    Hong Kong
    Chengdu
    Bombay
    Pondichéry
    Sydney
    São Paulo
    Rio de Janeiro
    Jérusalem
    Tel-Aviv
    Dubaï
    Istanbul
    Djeddah
    Saint-Pétersbourg
""")

_ACADEMIES = _lines("""
    Aix-Marseille
    Amiens
    Besançon
    Bordeaux
    Clermont-Ferrand
    Corse
    Créteil
    Dijon
    Grenoble
    Guadeloupe
    Guyane
    Lille
    Limoges
    Lyon
    Martinique
    Mayotte
    Montpellier
    Nancy-Metz
    Nantes
    Nice
    Normandie
    Orléans-Tours
    Paris
    Poitiers
    Reims
    Rennes
    La Réunion
    Strasbourg
    Toulouse
    Versailles
""")

_REGIONS = _lines("""
    Auvergne-Rhône-Alpes
    Bourgogne-Franche-Comté
    Bretagne
    Centre-Val de Loire
    Corse
    Grand Est
    Hauts-de-France
    Île-de-France
    Normandie
    Nouvelle-Aquitaine
    Occitanie
    Pays de la Loire
    Provence-Alpes-Côte d'Azur
""")
_OVERSEAS_REGIONS = ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte")

# Ministries' domains and the themed sites they run on sub-domains.
_DOMAINS = (
    ("interieur.gouv.fr", "Intérieur", INTERIOR),
    ("education.gouv.fr", "Éducation nationale", EDUCATION),
    ("economie.gouv.fr", "Économie", ECONOMY),
    ("culture.gouv.fr", "Culture", "Ministère de la Culture"),
    ("agriculture.gouv.fr", "Agriculture", AGRICULTURE),
    ("ecologie.gouv.fr", "Transition écologique", ECOLOGY),
    ("justice.gouv.fr", "Justice", "Ministère de la Justice"),
    ("defense.gouv.fr", "Armées", "Ministère des Armées"),
    ("sante.gouv.fr", "Santé", HEALTH),
    ("travail-emploi.gouv.fr", "Travail", HEALTH),
    ("sports.gouv.fr", "Sports", "Ministère des Sports et des Jeux Olympiques et Paralympiques"),
    ("enseignementsup-recherche.gouv.fr", "Enseignement supérieur", HIGHER_EDUCATION),
    ("diplomatie.gouv.fr", "Diplomatie", FOREIGN_AFFAIRS),
    ("fonction-publique.gouv.fr", "Fonction publique", CIVIL_SERVICE),
)
_TOPICS = _lines("""
    presse;Espace presse
    recrutement;Recrutement
    concours;Concours
    data;Données ouvertes
    statistiques;Statistiques
    publications;Publications
    agenda;Agenda
    mediatheque;Médiathèque
    archives;Archives
    formation;Formation
    marches-publics;Marchés publics
    lettre;Lettre d'information
    international;Europe et international
    outils;Outils en ligne
    carto;Cartographie
    histoire;Histoire et patrimoine
    teleservices;Téléservices
    aides;Aides et subventions
    faq;Questions fréquentes
    evenements;Événements
    kiosque;Kiosque
    intranet-public;Espace partenaires
    simulateurs;Simulateurs
    annuaire;Annuaire
    videos;Vidéos
""")


def _slug(name: str) -> str:
    """A host label from a French name: no accents, no apostrophes, hyphens."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower().replace("'", "")).strip("-")


def _of(name: str) -> str:
    """``de Lyon``, ``d'Amiens``: French elision before a vowel."""
    return f"d'{name}" if _slug(name)[:1] in tuple("aeiou") else f"de {name}"


# Usual daily visits of a site of each family, before each site's own draw.
_TYPICAL_VISITS = {
    "prefecture": 6000,
    "embassy": 1200,
    "campus_france": 800,
    "consulate": 900,
    "academy": 5000,
    "health_agency": 2000,
    "regional_service": 800,
    "themed": 500,
    "numbered": 300,
}


def _prefectures() -> list[Site]:
    visits = _TYPICAL_VISITS["prefecture"]
    return [
        Site(f"www.{_slug(name)}.gouv.fr", f"Services de l'État ({name})", INTERIOR, visits)
        for name in _DEPARTEMENTS
    ]


def _embassies() -> list[Site]:
    visits = _TYPICAL_VISITS["embassy"]
    pairs = [line.split(" ", 1) for line in _COUNTRIES]
    return [
        Site(f"{code}.ambafrance.org", f"Ambassade de France ({name})", FOREIGN_AFFAIRS, visits)
        for code, name in pairs
    ]


def _campus_france() -> list[Site]:
    visits = _TYPICAL_VISITS["campus_france"]
    names = [line.split(" ", 1)[1] for line in _COUNTRIES]
    return [
        Site(
            f"www.{_slug(name)}.campusfrance.org",
            f"Campus France ({name})",
            FOREIGN_AFFAIRS,
            visits,
        )
        for name in names
    ]


def _consulates() -> list[Site]:
    visits = _TYPICAL_VISITS["consulate"]
    return [
        Site(
            f"www.consulfrance-{_slug(city).replace('-', '')}.org",
            f"Consulat général de France à {city}",
            FOREIGN_AFFAIRS,
            visits,
        )
        for city in _CONSULATES
    ]


def _academies() -> list[Site]:
    visits = _TYPICAL_VISITS["academy"]
    return [
        Site(f"www.ac-{_slug(name)}.fr", f"Académie {_of(name)}", EDUCATION, visits)
        for name in _ACADEMIES
    ]


def _regional_services() -> list[Site]:
    regions = _REGIONS + _OVERSEAS_REGIONS
    health, other = _TYPICAL_VISITS["health_agency"], _TYPICAL_VISITS["regional_service"]
    sites = [
        Site(
            f"www.{_slug(name)}.ars.sante.fr",
            f"Agence régionale de santé ({name})",
            HEALTH,
            health,
        )
        for name in regions
    ]
    sites += [
        Site(f"www.{_slug(name)}.developpement-durable.gouv.fr", f"DREAL ({name})", ECOLOGY, other)
        for name in regions
    ]
    sites += [
        Site(f"draaf.{_slug(name)}.agriculture.gouv.fr", f"DRAAF ({name})", AGRICULTURE, other)
        for name in _REGIONS
    ]
    sites += [
        Site(f"{_slug(name)}.dreets.gouv.fr", f"DREETS ({name})", HEALTH, other)
        for name in _REGIONS
    ]
    return sites


def _themed_sites() -> list[Site]:
    visits = _TYPICAL_VISITS["themed"]
    sites = []
    for topic_line in _TOPICS:
        topic, topic_name = topic_line.split(";")
        for domain, short_name, ministry in _DOMAINS:
            name = f"{short_name} : {topic_name}"
            sites.append(Site(f"{topic}.{domain}", name, ministry, visits))
    return sites


def _synthetic_sites() -> Iterator[Site]:
    """Built sites, families interleaved so that any count gets a mix, then numbered ones."""
    families = [
        iter(family)
        for family in (
            _prefectures(),
            _embassies(),
            _academies(),
            _consulates(),
            _regional_services(),
            _campus_france(),
            _themed_sites(),
        )
    ]
    while families:
        for family in list(families):
            site = next(family, None)
            if site is None:
                families.remove(family)
            else:
                yield site

    # Past about a thousand built hosts the names run out; number the rest.
    visits = _TYPICAL_VISITS["numbered"]
    number = 1
    while True:
        yield Site(
            f"www.site-{number:04d}.gouv.fr", f"Site public {number}", PRIME_MINISTER, visits
        )
        number += 1


def read_registry(path: Path = REGISTRY_PATH) -> tuple[Site, ...]:
    """The sites of the seed registry, in the file's order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Site(row["site_host"].strip().lower(), row["site_name"], row["ministry"])
            for row in csv.DictReader(handle)
        )


def sample_sites(count: int, registry: Sequence[Site] | None = None) -> tuple[Site, ...]:
    """The first ``count`` sites: the registry's, then built ones, hosts unique."""
    registry = read_registry() if registry is None else registry
    chosen = list(registry[:count])
    seen = {site.host for site in chosen}
    if len(chosen) < count:
        for site in _synthetic_sites():
            if site.host in seen:
                continue
            chosen.append(site)
            seen.add(site.host)
            if len(chosen) == count:
                break
    return tuple(chosen)


# ---------------------------------------------------------------------------
# Each site's profile: drawn once, used for every day.

_WEEKDAY_PATTERN = (1.12, 1.10, 1.06, 1.04, 0.94, 0.60, 0.54)  # Monday first
_TREND_ORIGIN = date(2024, 1, 1).toordinal()
_SOURCE_LABELS = tuple(layout.SOURCE_CODES)
_DEVICE_LABELS = tuple(layout.DEVICE_CODES)
_REFERRAL_INDEX = _SOURCE_LABELS.index(layout.REFERRAL_SOURCE_LABEL)
_DESKTOP_INDEX = [layout.DEVICE_CODES[label] for label in _DEVICE_LABELS].index("desktop")

# Share of visits by source and device for a typical site, and the chance
# that a site has none of it (many sites run no campaign and no feed).
_SOURCE_SHARES = {
    "direct": (0.28, 0.0),
    "search": (0.46, 0.0),
    "referral": (0.12, 0.05),
    "social": (0.05, 0.1),
    "rss": (0.01, 0.5),
    "campaign": (0.02, 0.6),
    "other": (0.06, 0.2),
}
_DEVICE_SHARES = {
    "desktop": (0.52, 0.0),
    "smartphone": (0.40, 0.0),
    "tablet": (0.06, 0.05),
    "other": (0.02, 0.3),
}


@dataclass(frozen=True, slots=True)
class _Profile:
    host: str
    salt: int
    base_visits: float
    weekday_factors: tuple[float, ...]
    growth_per_day: float
    summer_dip: float
    noise: float
    visitor_ratio: float
    bounce_ratio: float
    pages_per_engaged_visit: float
    seconds_per_engaged_visit: float
    source_weights: tuple[float, ...]  # in the order of layout.SOURCE_CODES
    device_weights: tuple[float, ...]  # in the order of layout.DEVICE_CODES
    pages: tuple[str, ...]
    page_weights: tuple[float, ...]
    page_coverage: float  # share of page views that go to the catalogued pages
    referrers: tuple[str, ...]
    referrer_weights: tuple[float, ...]
    referrer_coverage: float  # share of referred visits that come from catalogued referrers


def _profile(site: Site, seed: int) -> _Profile:
    rng = random.Random(f"{seed}/{site.host}")
    base = site.typical_daily_visits * rng.lognormvariate(0.0, 1.2)
    amplitude = rng.uniform(0.4, 1.2)
    pages = _page_catalogue(site.host, _catalogue_size(base, 8, 90), rng)
    referrers = _referrer_catalogue(site, _catalogue_size(base, 4, 80), rng)
    return _Profile(
        host=site.host,
        # Day seeds are salt | ordinal: ordinals stay below 2**20 until the year 2870.
        salt=rng.getrandbits(64) << 20,
        base_visits=base,
        weekday_factors=tuple(1 + amplitude * (factor - 1) for factor in _WEEKDAY_PATTERN),
        growth_per_day=rng.uniform(-0.25, 0.35) / 365.25,
        summer_dip=rng.uniform(-0.15, 0.35),
        noise=rng.uniform(0.04, 0.18),
        visitor_ratio=rng.uniform(0.72, 0.95),
        bounce_ratio=rng.uniform(0.25, 0.70),
        pages_per_engaged_visit=rng.uniform(2.2, 5.5),
        seconds_per_engaged_visit=rng.uniform(90, 480),
        source_weights=_mix_weights(_SOURCE_SHARES, layout.SOURCE_CODES, rng),
        device_weights=_mix_weights(_DEVICE_SHARES, layout.DEVICE_CODES, rng),
        pages=tuple(pages),
        page_weights=_zipf_weights(len(pages), rng.uniform(0.9, 1.3)),
        page_coverage=rng.uniform(0.55, 0.92),
        referrers=tuple(referrers),
        referrer_weights=_zipf_weights(len(referrers), rng.uniform(0.8, 1.2)),
        referrer_coverage=rng.uniform(0.6, 0.95),
    )


def _catalogue_size(base_visits: float, smallest: int, largest: int) -> int:
    # A site with a handful of visits a day shows only a handful of pages.
    return max(smallest, min(largest, int(smallest * max(base_visits, 1.0) ** 0.35)))


def _mix_weights(
    shares: dict[str, tuple[float, float]], codes: dict[str, str], rng: random.Random
) -> tuple[float, ...]:
    weights = []
    for label in codes:
        share, chance_of_none = shares[codes[label]]
        absent = rng.random() < chance_of_none
        weights.append(0.0 if absent else share * rng.lognormvariate(0.0, 0.5))
    return tuple(weights)


def _zipf_weights(count: int, exponent: float) -> tuple[float, ...]:
    return tuple(1.0 / (rank**exponent) for rank in range(1, count + 1))


# ---------------------------------------------------------------------------
# Page and referrer catalogues.

_FIXED_PATHS = _lines("""
    contact
    recherche
    actualites
    demarches
    mentions-legales
    plan-du-site
    accessibilite
    foire-aux-questions
    agenda
    publications
""")
_SECTIONS = _lines("""
    actualites
    demarches
    publications
    dossiers
    politiques-publiques
    presse/communiques
    services
    actions-de-l-etat
    le-ministere
    emploi-et-concours
    outils
""")
_SUBJECTS = _lines("""
    carte-nationale-d-identite
    passeport
    permis-de-conduire
    certificat-d-immatriculation
    titre-de-sejour
    elections-europeennes-2024
    jeux-olympiques-et-paralympiques-2024
    canicule-et-fortes-chaleurs
    prime-d-activite
    impot-sur-le-revenu-2024
    declaration-en-ligne
    bourses-de-lycee
    baccalaureat-2024
    parcoursup
    vaccination
    plan-grand-froid
    securite-routiere
    ouverture-de-la-chasse
    risque-feux-de-foret
    secheresse-restrictions-d-eau
    recensement-citoyen
    naturalisation
    demande-de-visa
    legalisation-et-apostille
    etat-civil
    inscription-consulaire
    bourses-scolaires
    appel-a-projets
    marches-publics
    concours-administratifs
    offres-de-stage
    projet-de-loi-de-finances
    france-2030
    renovation-energetique
    aides-agricoles
    politique-agricole-commune
    nouvelle-caledonie
    protection-de-l-enfance
    violences-faites-aux-femmes
    cybersecurite
    service-national-universel
    harcelement-scolaire
    qualite-de-l-air
    inondations
    grippe-aviaire
    travaux-sur-la-voirie
    arretes-prefectoraux
    enquetes-publiques
    rendez-vous-en-ligne
    organigramme
""")
_ACCENTED_PAGES = _lines("""
    actualités/élections-européennes-2024
    actualités/sécheresse-et-restrictions-d'eau
    démarches/récépissé-de-demande-de-titre-de-séjour
    fête-de-la-musique
    journées-européennes-du-patrimoine
""")
_SEARCH_TERMS = ("passeport", "carte+grise", "titre+de+séjour", "rendez-vous", "permis")
_GOV_REFERRERS = _lines("""
    www.service-public.fr
    www.gouvernement.fr
    www.info.gouv.fr
    www.legifrance.gouv.fr
    www.data.gouv.fr
    www.impots.gouv.fr
    www.interieur.gouv.fr
    www.education.gouv.fr
    www.diplomatie.gouv.fr
    ants.gouv.fr
    www.ameli.fr
    www.caf.fr
    www.francetravail.fr
    www.vie-publique.fr
    www.prefectures-regions.gouv.fr
    www.demarches-simplifiees.fr
""")
_NEWS_SITES = _lines("""
    www.lemonde.fr
    www.lefigaro.fr
    www.francetvinfo.fr
    www.ouest-france.fr
    www.20minutes.fr
    www.bfmtv.com
    www.liberation.fr
    www.leparisien.fr
    www.sudouest.fr
    www.ladepeche.fr
    www.lavoixdunord.fr
    actu.fr
""")
_NEWS_SECTIONS = ("politique", "societe", "economie", "international", "france", "regions")
_WIKIPEDIA_TITLES = _lines("""
    Carte_nationale_d'identité_en_France
    Passeport_français
    Élections_européennes_de_2024_en_France
    Préfecture_(France)
    Ambassade_de_France
    Jeux_olympiques_d'été_de_2024
    Fonction_publique_française
""")
_OTHER_REFERRERS = _lines("""
    https://mail.google.com/
    https://outlook.live.com/
    https://webmail.orange.fr/
    https://www.msn.com/fr-fr
    https://www.ent-auvergnerhonealpes.fr/
    https://www.pronote.net/
""")


def _page_catalogue(host: str, size: int, rng: random.Random) -> list[str]:
    """The site's pages, most viewed first: the home page, then a shuffled mix."""
    root = f"https://{host}"
    articles = [f"{section}/{subject}" for section in _SECTIONS for subject in _SUBJECTS]
    paths = list(_FIXED_PATHS) + rng.sample(articles, size)
    rng.shuffle(paths)
    pages = [f"{root}/{path}" for path in paths[: size - 1]]

    # Rare labels that a writer must quote or encode with care.
    if rng.random() < 0.3:
        pages.insert(rng.randrange(2, 30), f"{root}/{rng.choice(_ACCENTED_PAGES)}")
    if rng.random() < 0.15:
        term = rng.choice(_SEARCH_TERMS)
        pages.insert(rng.randrange(2, 30), f"{root}/recherche?q={term};page={rng.randint(2, 9)}")
    if rng.random() < 0.05:
        pages.insert(rng.randrange(2, 30), f'{root}/recherche?q="{rng.choice(_SEARCH_TERMS)}"')
    return [f"{root}/", *pages][:size]


def _referrer_catalogue(site: Site, size: int, rng: random.Random) -> list[str]:
    """The site's referring pages, most visits first."""
    pool = [f"https://{host}/" for host in _GOV_REFERRERS]
    pool += [
        f"https://www.service-public.fr/particuliers/vosdroits/F{rng.randrange(1000, 36000)}"
        for _ in range(12)
    ]
    pool += [
        f"https://fr.wikipedia.org/wiki/{title}"
        for title in (site.name.replace(" ", "_"), *_WIKIPEDIA_TITLES)
    ]
    pool += [
        f"https://{rng.choice(_NEWS_SITES)}/{rng.choice(_NEWS_SECTIONS)}/"
        f"{rng.choice(_SUBJECTS)}_{rng.randrange(100000, 999999)}.html"
        for _ in range(40)
    ]
    pool += _OTHER_REFERRERS

    # dict.fromkeys drops repeats and keeps the order, so the draw stays reproducible.
    unique = [url for url in dict.fromkeys(pool) if url != f"https://{site.host}/"]
    return rng.sample(unique, min(size, len(unique)))


# ---------------------------------------------------------------------------
# One site-day.


class _Totals(NamedTuple):
    visits: int
    visitors: int
    page_views: int
    bounces: int
    seconds_per_visit: int


_COLUMN_INDEX = {column.name: index for index, column in enumerate(layout.COLUMNS)}
_WIDTH = len(layout.COLUMNS)
_DATE, _SITE, _KIND = (_COLUMN_INDEX[name] for name in ("date", "site", "ligne"))
_RANK, _LABEL = _COLUMN_INDEX["rang"], _COLUMN_INDEX["libelle"]
_VISITS, _VISITORS = _COLUMN_INDEX["visites"], _COLUMN_INDEX["visiteurs"]
_PAGE_VIEWS, _PER_VISIT = _COLUMN_INDEX["pages_vues"], _COLUMN_INDEX["pages_par_visite"]
_BOUNCE, _TIME = _COLUMN_INDEX["taux_rebond"], _COLUMN_INDEX["temps_par_visite"]
_RANK_TEXT = tuple(str(rank) for rank in range(layout.MAX_RANK + 1))
_PER_VISIT_PLACES = layout.COLUMNS[_PER_VISIT].places
_BOUNCE_PLACES = layout.COLUMNS[_BOUNCE].places


def _day_rows(profile: _Profile, day: date, rng: random.Random) -> list[list[str]]:
    """The formatted lines of one site-day, in the published order."""
    rng.seed(profile.salt | day.toordinal())
    totals = _totals(profile, day, rng)
    sources = _split(totals.visits, _jitter(profile.source_weights, 0.3, rng), rng)
    devices = _split(totals.visits, _device_weights(profile, day, rng), rng)
    page_budget = _budget(totals.page_views, profile.page_coverage, rng)
    pages = _ranked(profile.pages, profile.page_weights, page_budget, rng)
    referrer_budget = _budget(sources[_REFERRAL_INDEX], profile.referrer_coverage, rng)
    referrers = _ranked(profile.referrers, profile.referrer_weights, referrer_budget, rng)

    day_text = day.isoformat()
    rows = [_total_row(_blank(day_text, profile.host, layout.TOTAL), totals)]
    rows += _ranked_rows(_blank(day_text, profile.host, layout.PAGE), _PAGE_VIEWS, pages)
    rows += _ranked_rows(_blank(day_text, profile.host, layout.REFERRER), _VISITS, referrers)
    rows += _mix_rows(_blank(day_text, profile.host, layout.SOURCE), _SOURCE_LABELS, sources)
    rows += _mix_rows(_blank(day_text, profile.host, layout.DEVICE), _DEVICE_LABELS, devices)
    return rows


def _totals(profile: _Profile, day: date, rng: random.Random) -> _Totals:
    visits = max(1, _count(_expected_visits(profile, day, rng), rng))
    visitors = min(visits, max(1, round(visits * profile.visitor_ratio * rng.uniform(0.97, 1.03))))
    bounces = _binomial(visits, min(1.0, profile.bounce_ratio * rng.uniform(0.9, 1.1)), rng)

    # A bounced visit sees one page, any other visit two at least.
    engaged = visits - bounces
    extra = round(engaged * profile.pages_per_engaged_visit * rng.uniform(0.9, 1.1))
    page_views = bounces + max(2 * engaged, extra)
    seconds = engaged * profile.seconds_per_engaged_visit * rng.uniform(0.85, 1.15)
    return _Totals(visits, visitors, page_views, bounces, round(seconds / visits))


def _expected_visits(profile: _Profile, day: date, rng: random.Random) -> float:
    day_of_year = day.timetuple().tm_yday
    # Administrations empty in August and around Christmas; some sites (embassies) fill up.
    season = 1.0 - profile.summer_dip * (
        math.exp(-(((day_of_year - 222) / 20) ** 2))
        + 0.5 * math.exp(-(((day_of_year - 360) / 5) ** 2))
    )
    trend = math.exp(profile.growth_per_day * (day.toordinal() - _TREND_ORIGIN))
    expected = profile.base_visits * profile.weekday_factors[day.weekday()] * season * trend
    expected *= rng.lognormvariate(0.0, profile.noise)
    if rng.random() < 0.004:  # a news event
        expected *= rng.uniform(2.0, 6.0)
    return expected


def _count(expected: float, rng: random.Random) -> int:
    """A Poisson draw for small means, where counting noise shows; rounding above."""
    if expected >= 40:
        return round(expected)
    limit, product, count = math.exp(-expected), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _binomial(trials: int, chance: float, rng: random.Random) -> int:
    if trials < 40:
        return sum(rng.random() < chance for _ in range(trials))
    return min(trials, max(0, round(trials * chance)))


def _jitter(weights: Sequence[float], spread: float, rng: random.Random) -> list[float]:
    low = 1.0 - spread / 2
    return [weight * (low + spread * rng.random()) for weight in weights]


def _device_weights(profile: _Profile, day: date, rng: random.Random) -> list[float]:
    weights = _jitter(profile.device_weights, 0.2, rng)
    if day.weekday() >= 5:  # people browse on their phones at weekends
        weights[_DESKTOP_INDEX] *= 0.55
    return weights


def _budget(total: int, coverage: float, rng: random.Random) -> int:
    return min(total, int(total * coverage * rng.uniform(0.92, 1.08)))


def _split(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """Integers in proportion to ``weights`` that add up to ``total`` exactly."""
    if total == 0:
        return [0] * len(weights)
    weight_sum = sum(weights)
    shares = [int(total * weight / weight_sum) for weight in weights]
    rest = total - sum(shares)
    while rest < 0:  # float rounding can overshoot by a unit; take it from the largest
        shares[shares.index(max(shares))] -= 1
        rest += 1

    # The units left over go by chance, which is what small counts look like.
    for index in rng.choices(range(len(weights)), weights=weights, k=rest):
        shares[index] += 1
    return shares


def _ranked(
    labels: Sequence[str], weights: Sequence[float], budget: int, rng: random.Random
) -> list[tuple[str, int]]:
    """The labels with a count, most first then by label, cut at the published maximum."""
    counts = _split(budget, _jitter(weights, 0.8, rng), rng)
    # Sorting (-count, label) pairs puts most first and breaks ties by label.
    ordered = sorted((-count, label) for label, count in zip(labels, counts, strict=True) if count)
    return [(label, -negated) for negated, label in ordered[: layout.MAX_RANK]]


def _blank(day_text: str, host: str, kind: str) -> list[str]:
    row = [""] * _WIDTH
    row[_DATE], row[_SITE], row[_KIND] = day_text, host, kind
    return row


def _total_row(row: list[str], totals: _Totals) -> list[str]:
    visits = Decimal(totals.visits)
    row[_VISITS] = str(totals.visits)
    row[_VISITORS] = str(totals.visitors)
    row[_PAGE_VIEWS] = str(totals.page_views)
    row[_PER_VISIT] = layout.format_decimal(Decimal(totals.page_views) / visits, _PER_VISIT_PLACES)
    row[_BOUNCE] = layout.format_decimal(Decimal(100 * totals.bounces) / visits, _BOUNCE_PLACES)
    row[_TIME] = layout.format_duration(totals.seconds_per_visit)
    return row


def _ranked_rows(
    blank: list[str], count_column: int, ranked: Sequence[tuple[str, int]]
) -> list[list[str]]:
    rows = []
    for rank, (label, count) in enumerate(ranked, start=1):
        row = blank.copy()
        row[_RANK], row[_LABEL], row[count_column] = _RANK_TEXT[rank], label, str(count)
        rows.append(row)
    return rows


def _mix_rows(blank: list[str], labels: Sequence[str], visits: Sequence[int]) -> list[list[str]]:
    present = [(label, count) for label, count in zip(labels, visits, strict=True) if count]
    present.sort(key=lambda item: layout.sort_key_by_visits(item[1], item[0]))
    rows = []
    for label, count in present:
        row = blank.copy()
        row[_LABEL], row[_VISITS] = label, str(count)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# The sample.


def generate(
    out_dir: Path,
    sites: int = DEFAULT_SITES,
    days: int = DEFAULT_DAYS,
    end: date = DEFAULT_END,
    seed: int = DEFAULT_SEED,
    header_only_fraction: float = DEFAULT_HEADER_ONLY_FRACTION,
    missing_fraction: float = DEFAULT_MISSING_FRACTION,
) -> SampleSummary:
    """Write ``sites`` x ``days`` daily files ending on ``end`` into ``out_dir``.

    A fraction of the site-days gets a header-only file and another none at
    all; each fraction, when not zero, gives at least one site-day. A file
    left in ``out_dir`` by an earlier run for a site-day now missing is
    removed, so that the folder holds exactly this sample's site-days.
    """
    _check_arguments(sites, days, header_only_fraction, missing_fraction)
    started = time.perf_counter()
    chosen = sample_sites(sites)
    first_day = end - timedelta(days=days - 1)
    gaps = _gap_positions(sites * days, seed, header_only_fraction, missing_fraction)
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("writing a sample of %d sites x %d days into %s", sites, days, out_dir)

    tally = _Tally()
    rng = random.Random()
    for site_index, site in enumerate(chosen):
        profile = _profile(site, seed)
        _write_site(out_dir, profile, first_day, days, gaps.shifted(site_index * days), tally, rng)
        log.debug("sample site %s written", site.host)

    summary = SampleSummary(
        out_dir=out_dir,
        files_written=tally.files,
        lines_written=tally.lines,
        sites=len(chosen),
        first_day=first_day,
        last_day=end,
        header_only=tuple(tally.header_only),
        missing=tuple(tally.missing),
        seconds=time.perf_counter() - started,
    )
    log.info(
        "sample written: %d files, %d lines in %.1f s (%.0f lines/s), %d header-only, %d missing",
        summary.files_written,
        summary.lines_written,
        summary.seconds,
        summary.lines_per_second,
        len(summary.header_only),
        len(summary.missing),
    )
    return summary


def _check_arguments(
    sites: int, days: int, header_only_fraction: float, missing_fraction: float
) -> None:
    if sites < 1 or days < 1:
        raise ValueError(f"a sample needs at least one site and one day, not {sites} x {days}")
    for name, fraction in (("header-only", header_only_fraction), ("missing", missing_fraction)):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"the {name} fraction must be between 0 and 1, not {fraction}")
    if header_only_fraction + missing_fraction > 1.0:
        raise ValueError("the header-only and missing fractions add up to more than 1")


class _Gaps(NamedTuple):
    """Site-days, by position in the sample, written header-only or left missing."""

    header_only: frozenset[int]
    missing: frozenset[int]
    offset: int = 0

    def shifted(self, offset: int) -> _Gaps:
        """The same gaps, seen from a site whose first day has position ``offset``."""
        return self._replace(offset=offset)

    def kind(self, day_index: int) -> str | None:
        position = self.offset + day_index
        if position in self.missing:
            return "missing"
        return "header_only" if position in self.header_only else None


def _gap_positions(
    total: int, seed: int, header_only_fraction: float, missing_fraction: float
) -> _Gaps:
    header_count = _gap_count(total, header_only_fraction)
    missing_count = min(_gap_count(total, missing_fraction), total - header_count)
    drawn = random.Random(f"{seed}/gaps").sample(range(total), header_count + missing_count)
    return _Gaps(frozenset(drawn[:header_count]), frozenset(drawn[header_count:]))


def _gap_count(total: int, fraction: float) -> int:
    if fraction == 0:
        return 0
    return min(total, max(1, round(total * fraction)))


@dataclass
class _Tally:
    files: int = 0
    lines: int = 0
    header_only: list[SiteDay] = field(default_factory=list)
    missing: list[SiteDay] = field(default_factory=list)


def _write_site(
    out_dir: Path,
    profile: _Profile,
    first_day: date,
    days: int,
    gaps: _Gaps,
    tally: _Tally,
    rng: random.Random,
) -> None:
    """Write one site's files, one call each, and count them in ``tally``."""
    for day_index in range(days):
        day = first_day + timedelta(days=day_index)
        path = out_dir / layout.file_name(profile.host, day)
        gap = gaps.kind(day_index)
        if gap == "missing":
            # A file left by an earlier run would make this day look present.
            path.unlink(missing_ok=True)
            tally.missing.append(SiteDay(profile.host, day))
            continue

        rows = [] if gap == "header_only" else _day_rows(profile, day, rng)
        if gap == "header_only":
            tally.header_only.append(SiteDay(profile.host, day))
        layout.write_file(path, rows)
        tally.files += 1
        tally.lines += len(rows)
