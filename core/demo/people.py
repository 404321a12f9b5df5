"""Name, address and company pools for the demo's offenders and owners, per country.

:func:`make_person` returns a plain ``dict`` of :class:`~core.models.Person` column values (the
base demo turns it into an ORM object, the bulk generator inserts it as a row). Italians get a
valid codice fiscale, foreigners an identity document of their country; languages follow the
portal's five (IT→it, DE/AT→de, FR→fr, CH→fr/de/it by canton, ES→es, GB/NL/PL→en).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from core.demo.identity import codice_fiscale, foreign_id, partita_iva


@dataclass(frozen=True)
class Place:
    city: str
    postal_code: str
    province: str
    plate_area: str = ""  # plate prefix of the district/canton, where plates carry one
    language: str = ""  # overrides the country's language (Swiss cantons)
    belfiore: str = ""  # Italian cadastral code, for the codice fiscale birthplace


@dataclass(frozen=True)
class CountryPool:
    language: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    places: tuple[Place, ...]
    streets: tuple[str, ...]
    number_first: bool = False  # "12 rue de la Paix" rather than "Via Roma 12"
    phone_prefix: str = ""
    female_surname: dict[str, str] | None = None  # Polish -ski/-ska


IT_BIRTHPLACES = (
    Place("Milano", "", "MI", belfiore="F205"), Place("Roma", "", "RM", belfiore="H501"),
    Place("Napoli", "", "NA", belfiore="F839"), Place("Torino", "", "TO", belfiore="L219"),
    Place("Palermo", "", "PA", belfiore="G273"), Place("Catania", "", "CT", belfiore="C351"),
    Place("Siracusa", "", "SR", belfiore="I754"), Place("Rho", "", "MI", belfiore="H264"),
    Place("Bergamo", "", "BG", belfiore="A794"), Place("Varese", "", "VA", belfiore="L682"),
    Place("Como", "", "CO", belfiore="C933"), Place("Legnano", "", "MI", belfiore="E514"),
    Place("Bari", "", "BA", belfiore="A662"), Place("Bologna", "", "BO", belfiore="A944"),
    Place("Firenze", "", "FI", belfiore="D612"), Place("Genova", "", "GE", belfiore="D969"),
    Place("Noto", "", "SR", belfiore="F943"), Place("Ragusa", "", "RG", belfiore="H163"),
    Place("Messina", "", "ME", belfiore="F158"), Place("Novara", "", "NO", belfiore="F952"),
)

IT_RESIDENCES = {
    "RHO": (
        Place("Rho", "20017", "MI"), Place("Rho", "20017", "MI"), Place("Milano", "20149", "MI"),
        Place("Milano", "20156", "MI"), Place("Pero", "20016", "MI"),
        Place("Arese", "20044", "MI"), Place("Lainate", "20045", "MI"),
        Place("Legnano", "20025", "MI"), Place("Bollate", "20021", "MI"),
        Place("Garbagnate Milanese", "20024", "MI"), Place("Settimo Milanese", "20019", "MI"),
        Place("Novara", "28100", "NO"), Place("Varese", "21100", "VA"),
        Place("Bergamo", "24121", "BG"), Place("Torino", "10121", "TO"),
        Place("Como", "22100", "CO"),
    ),
    "SIRACUSA": (
        Place("Siracusa", "96100", "SR"), Place("Siracusa", "96100", "SR"),
        Place("Noto", "96017", "SR"), Place("Augusta", "96011", "SR"),
        Place("Avola", "96012", "SR"), Place("Floridia", "96014", "SR"),
        Place("Catania", "95121", "CT"), Place("Ragusa", "97100", "RG"),
        Place("Palermo", "90133", "PA"), Place("Messina", "98122", "ME"),
        Place("Roma", "00184", "RM"), Place("Napoli", "80133", "NA"),
        Place("Milano", "20121", "MI"),
    ),
}

POOLS: dict[str, CountryPool] = {
    "IT": CountryPool(
        "it",
        ("Marco", "Luca", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Lorenzo",
         "Davide", "Simone", "Salvatore", "Giovanni", "Antonio", "Paolo", "Stefano", "Roberto",
         "Corrado", "Sebastiano", "Vincenzo", "Fabio"),
        ("Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Elena", "Alessia",
         "Federica", "Silvia", "Laura", "Paola", "Lucia", "Concetta", "Angela", "Rosaria",
         "Serena", "Beatrice"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
         "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
         "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Leone", "Longo", "Gentile",
         "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "D'Angelo", "La Rosa",
         "Di Stefano", "Messina", "Cannizzaro", "Brambilla", "Villa", "Sala", "Cattaneo"),
        (),  # residences depend on the Ente (IT_RESIDENCES)
        ("Via Roma", "Via Giuseppe Garibaldi", "Corso Europa", "Via Giuseppe Mazzini",
         "Via Dante Alighieri", "Via Alessandro Manzoni", "Viale Italia", "Via Cavour",
         "Via della Repubblica", "Via San Martino", "Via Vittorio Veneto", "Via Matteotti",
         "Via dei Mille", "Piazza della Libertà", "Via Nazionale", "Via Magenta"),
        phone_prefix="+39 3",
    ),
    "DE": CountryPool(
        "de",
        ("Lukas", "Maximilian", "Jonas", "Felix", "Leon", "Paul", "Thomas", "Stefan", "Michael",
         "Andreas", "Jürgen", "Klaus", "Tobias", "Matthias"),
        ("Anna", "Lena", "Laura", "Julia", "Sophie", "Katharina", "Sabine", "Petra", "Claudia",
         "Monika", "Ursula", "Hannah", "Franziska"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Schröder", "Neumann", "Zimmermann",
         "Krüger", "Hartmann", "Braun", "Lange"),
        (Place("München", "80331", "Bayern", "M"), Place("Berlin", "10115", "Berlin", "B"),
         Place("Hamburg", "20095", "Hamburg", "HH"),
         Place("Stuttgart", "70173", "Baden-Württemberg", "S"),
         Place("Köln", "50667", "Nordrhein-Westfalen", "K"),
         Place("Frankfurt am Main", "60311", "Hessen", "F"),
         Place("Nürnberg", "90402", "Bayern", "N"),
         Place("Freiburg im Breisgau", "79098", "Baden-Württemberg", "FR"),
         Place("Augsburg", "86150", "Bayern", "A"), Place("Dresden", "01067", "Sachsen", "DD")),
        ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenstraße",
         "Gartenstraße", "Kirchweg", "Bergstraße", "Mozartstraße", "Am Markt"),
        phone_prefix="+49 1",
    ),
    "AT": CountryPool(
        "de",
        ("Florian", "Tobias", "David", "Markus", "Elias", "Lukas", "Georg", "Martin"),
        ("Hannah", "Lea", "Sarah", "Johanna", "Magdalena", "Theresa", "Katrin"),
        ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer", "Hofer",
         "Leitner", "Berger", "Fuchs"),
        (Place("Wien", "1010", "Wien", "W"), Place("Graz", "8010", "Steiermark", "G"),
         Place("Linz", "4020", "Oberösterreich", "L"), Place("Salzburg", "5020", "Salzburg", "S"),
         Place("Innsbruck", "6020", "Tirol", "I"), Place("Klagenfurt", "9020", "Kärnten", "K")),
        ("Mariahilfer Straße", "Landstraßer Hauptstraße", "Herrengasse", "Kärntner Straße",
         "Hauptplatz", "Bahnhofstraße", "Schulgasse"),
        phone_prefix="+43 6",
    ),
    "CH": CountryPool(
        "de",
        ("Luca", "Noah", "Nicolas", "Samuel", "Marco", "Reto", "Jean-Marc", "Urs"),
        ("Laura", "Mia", "Nathalie", "Céline", "Sandra", "Chiara", "Corinne"),
        ("Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Dubois", "Rochat", "Favre",
         "Perret", "Bernasconi", "Pedrazzini", "Frei", "Brunner"),
        (Place("Zürich", "8001", "ZH", "ZH", "de"), Place("Genève", "1201", "GE", "GE", "fr"),
         Place("Lausanne", "1003", "VD", "VD", "fr"), Place("Lugano", "6900", "TI", "TI", "it"),
         Place("Bern", "3011", "BE", "BE", "de"), Place("Basel", "4051", "BS", "BS", "de"),
         Place("Neuchâtel", "2000", "NE", "NE", "fr")),
        ("Bahnhofstrasse", "Hauptstrasse", "Rue du Rhône", "Avenue de la Gare", "Via Nassa",
         "Dorfstrasse", "Rue du Lac"),
        phone_prefix="+41 7",
    ),
    "FR": CountryPool(
        "fr",
        ("Jean", "Pierre", "Nicolas", "Julien", "Thomas", "Antoine", "Mathieu", "Olivier",
         "Hugo", "Louis"),
        ("Camille", "Marie", "Sophie", "Claire", "Élodie", "Manon", "Chloé", "Léa", "Isabelle",
         "Nathalie"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Fournier", "Girard",
         "Bonnet", "Mercier"),
        (Place("Paris", "75011", "Paris"), Place("Lyon", "69002", "Rhône"),
         Place("Marseille", "13001", "Bouches-du-Rhône"), Place("Nice", "06000", "Alpes-Maritimes"),
         Place("Toulouse", "31000", "Haute-Garonne"), Place("Grenoble", "38000", "Isère"),
         Place("Lille", "59000", "Nord"), Place("Bordeaux", "33000", "Gironde"),
         Place("Strasbourg", "67000", "Bas-Rhin")),
        ("rue de la République", "avenue Victor Hugo", "boulevard Voltaire", "rue Pasteur",
         "rue des Lilas", "place de la Mairie", "rue Jean Jaurès", "avenue de la Gare"),
        number_first=True, phone_prefix="+33 6",
    ),
    "ES": CountryPool(
        "es",
        ("Javier", "Carlos", "Pablo", "Alejandro", "Daniel", "Sergio", "Jorge", "Miguel",
         "Álvaro", "David"),
        ("Lucía", "María", "Carmen", "Laura", "Marta", "Elena", "Paula", "Cristina", "Ana",
         "Sara"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
         "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
         "Álvarez", "Navarro", "Romero"),
        (Place("Madrid", "28013", "Madrid"), Place("Barcelona", "08001", "Barcelona"),
         Place("Valencia", "46001", "Valencia"), Place("Sevilla", "41001", "Sevilla"),
         Place("Málaga", "29001", "Málaga"), Place("Bilbao", "48001", "Bizkaia"),
         Place("Zaragoza", "50001", "Zaragoza")),
        ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Paseo de Gracia",
         "Calle Real", "Calle del Carmen", "Avenida de América"),
        phone_prefix="+34 6",
    ),
    "GB": CountryPool(
        "en",
        ("Oliver", "George", "Harry", "Jack", "James", "William", "Thomas", "Daniel",
         "Matthew"),
        ("Amelia", "Olivia", "Emily", "Isla", "Sophie", "Charlotte", "Grace", "Hannah", "Lucy"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
         "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
         "Hall"),
        (Place("London", "SE1 7PB", "Greater London"), Place("Manchester", "M1 1AE", "Greater Manchester"),
         Place("Birmingham", "B1 1BB", "West Midlands"), Place("Leeds", "LS1 4AP", "West Yorkshire"),
         Place("Bristol", "BS1 5TR", "Bristol"), Place("Edinburgh", "EH1 1YZ", "Scotland"),
         Place("Oxford", "OX1 2JD", "Oxfordshire"), Place("Brighton", "BN1 1AE", "East Sussex")),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
         "Mill Lane", "Queen's Road"),
        number_first=True, phone_prefix="+44 7",
    ),
    "NL": CountryPool(
        "en",
        ("Daan", "Sem", "Lucas", "Levi", "Bram", "Thijs", "Jeroen", "Ruben"),
        ("Emma", "Julia", "Sophie", "Anna", "Fleur", "Sanne", "Lotte", "Anouk"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
         "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos"),
        (Place("Amsterdam", "1012 AB", "Noord-Holland"), Place("Rotterdam", "3011 AD", "Zuid-Holland"),
         Place("Utrecht", "3511 AA", "Utrecht"), Place("Den Haag", "2511 BT", "Zuid-Holland"),
         Place("Eindhoven", "5611 AB", "Noord-Brabant"), Place("Groningen", "9711 LN", "Groningen")),
        ("Kerkstraat", "Dorpsstraat", "Prinsengracht", "Stationsweg", "Molenweg", "Julianalaan"),
        phone_prefix="+31 6",
    ),
    "PL": CountryPool(
        "en",
        ("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub"),
        ("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Magdalena", "Joanna", "Monika",
         "Ewa"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
         "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Mazur"),
        (Place("Warszawa", "00-001", "mazowieckie", "WA"), Place("Kraków", "30-001", "małopolskie", "KR"),
         Place("Wrocław", "50-001", "dolnośląskie", "DW"), Place("Poznań", "60-001", "wielkopolskie", "PO"),
         Place("Gdańsk", "80-001", "pomorskie", "GD"), Place("Łódź", "90-001", "łódzkie", "EL")),
        ("ul. Marszałkowska", "ul. Długa", "ul. Floriańska", "ul. Piotrkowska",
         "ul. Mickiewicza", "ul. Słowackiego"),
        phone_prefix="+48 5",
        female_surname={"Kowalski": "Kowalska", "Wiśniewski": "Wiśniewska",
                        "Kamiński": "Kamińska", "Lewandowski": "Lewandowska",
                        "Zieliński": "Zielińska", "Szymański": "Szymańska",
                        "Dąbrowski": "Dąbrowska"},
    ),
}

COUNTRIES = tuple(POOLS)

# Italian companies that own vehicles (jointly liable owners); office = provincial code of
# the partita IVA.
IT_COMPANIES = {
    "RHO": (
        ("Logistica Sempione S.r.l.", "Via Pisacane 18", "20017", "Rho", "MI", "015"),
        ("Autonoleggio Fiera Milano S.p.A.", "Strada Statale del Sempione 28", "20017", "Rho", "MI", "015"),
        ("Trasporti Fratelli Colombo S.n.c.", "Via Cadorna 60", "20016", "Pero", "MI", "015"),
        ("Edilizia Nord Ovest S.r.l.", "Viale Lombardia 9", "20045", "Lainate", "MI", "015"),
        ("Farmacia Centrale Rho S.a.s.", "Via Madonna 31", "20017", "Rho", "MI", "015"),
        ("Catering Milano Expo S.r.l.", "Via Gallarate 140", "20151", "Milano", "MI", "015"),
    ),
    "SIRACUSA": (
        ("Noleggio Aretusa S.r.l.", "Viale Teracati 41", "96100", "Siracusa", "SR", "089"),
        ("Ortigia Tour S.r.l.", "Via Roma 112", "96100", "Siracusa", "SR", "089"),
        ("Agrumi di Sicilia Soc. Coop.", "Contrada Cassibile", "96100", "Siracusa", "SR", "089"),
        ("Trasporti Etnei S.r.l.", "Via Vittorio Emanuele II 300", "95124", "Catania", "CT", "087"),
        ("Costruzioni Val di Noto S.r.l.", "Via Aurispa 7", "96017", "Noto", "SR", "089"),
    ),
}


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch in ".-")


def email_for(first: str, last: str, n: int) -> str:
    """A personal e-mail address on a reserved example domain (never deliverable)."""
    domain = ("example.com", "example.org", "example.net")[n % 3]
    suffix = str(n % 97) if n % 4 == 0 else ""
    return f"{_ascii(first)}.{_ascii(last)}{suffix}@{domain}"


# Birth dates are drawn relative to this fixed day, so identities never depend on the clock.
REFERENCE_DAY = date(2026, 1, 1)


def make_person(rng: random.Random, country: str, ente_code: str,
                *, first: str | None = None, last: str | None = None,
                female: bool | None = None, place: Place | None = None,
                with_email: bool | None = None) -> dict:
    """Column values of a natural person from ``country`` fined by the Ente ``ente_code``."""
    pool = POOLS[country]
    female = rng.random() < 0.45 if female is None else female
    first = first or rng.choice(pool.female if female else pool.male)
    if last is None:
        last = rng.choice(pool.surnames)
        if female and pool.female_surname:
            last = pool.female_surname.get(last, last)
        if country == "ES":  # two surnames
            last = f"{last} {rng.choice([s for s in pool.surnames if s != last])}"
    if place is None:
        place = rng.choice(IT_RESIDENCES[ente_code] if country == "IT" else pool.places)
    age_days = rng.randint(19 * 365, 78 * 365)
    birth = REFERENCE_DAY - timedelta(days=age_days)
    number = rng.randint(1, 180)
    if country == "IT":
        address = f"{rng.choice(pool.streets)} {number}"
    elif pool.number_first:
        address = f"{number} {rng.choice(pool.streets)}"
    elif country == "ES":
        address = f"{rng.choice(pool.streets)} {number}, {rng.randint(1, 8)}º {rng.choice('ABCD')}"
    elif country in ("PL", "AT"):
        address = f"{rng.choice(pool.streets)} {number}/{rng.randint(1, 30)}"
    else:
        address = f"{rng.choice(pool.streets)} {number}"
    row = {
        "kind": "natural",
        "first_name": first,
        "last_name": last,
        "company_name": "",
        "fiscal_code": None,
        "foreign_id": None,
        "foreign_id_type": None,
        "foreign_id_country": None,
        "birth_date": birth,
        "address_line": address,
        "postal_code": place.postal_code,
        "city": place.city,
        "province": place.province,
        "country": country,
        "language": place.language or pool.language,
        "email": None,
        "pec": None,
        "phone": None,
    }
    if country == "IT":
        birthplace = rng.choice(IT_BIRTHPLACES)
        row["fiscal_code"] = codice_fiscale(first, last, birth, female, birthplace.belfiore)
    else:
        row["foreign_id"], row["foreign_id_type"] = foreign_id(rng, country, birth, female)
        row["foreign_id_country"] = country
    if with_email is None:
        with_email = rng.random() < (0.35 if country == "IT" else 0.6)
    if with_email:
        row["email"] = email_for(first, last, rng.randint(0, 400))
    if rng.random() < 0.5:
        row["phone"] = f"{pool.phone_prefix}{rng.randint(10, 99)} {rng.randint(100000, 9999999)}"
    return row


def make_company(rng: random.Random, ente_code: str, index: int) -> dict:
    """Column values of an Italian company (legal person) with a valid partita IVA and PEC."""
    name, address, cap, city, province, office = IT_COMPANIES[ente_code][index]
    slug = _ascii(name.split(" S.")[0].split(" Soc.")[0]).replace(".", "")
    return {
        "kind": "legal",
        "first_name": "",
        "last_name": "",
        "company_name": name,
        "fiscal_code": partita_iva(rng, office),
        "foreign_id": None,
        "foreign_id_type": None,
        "foreign_id_country": None,
        "birth_date": None,
        "address_line": address,
        "postal_code": cap,
        "city": city,
        "province": province,
        "country": "IT",
        "language": "it",
        "email": f"amministrazione@{slug}.example.com",
        "pec": f"{slug}@pec.example.com",
        "phone": f"+39 0{rng.randint(2, 9)}{rng.randint(1000000, 9999999)}",
    }
