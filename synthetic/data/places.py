"""Streets, cities, postcode stems and phone prefixes per country.

Cities carry a region code (US state, GB nation-level county code, DE Land,
FR département region) and the stem from which postcodes are drawn, so a
generated postcode is plausible for its city.
"""

COUNTRY_SHARES = (("US", 0.82), ("GB", 0.07), ("DE", 0.06), ("FR", 0.05))

# (city, region code, postcode stem)
CITIES = {
    "US": (
        ("New York", "NY", "100"), ("Brooklyn", "NY", "112"),
        ("Boston", "MA", "021"), ("Cambridge", "MA", "021"),
        ("Chicago", "IL", "606"), ("Los Angeles", "CA", "900"),
        ("San Francisco", "CA", "941"), ("Oakland", "CA", "946"),
        ("San Diego", "CA", "921"), ("Seattle", "WA", "981"),
        ("Portland", "OR", "972"), ("Austin", "TX", "787"),
        ("Houston", "TX", "770"), ("Dallas", "TX", "752"),
        ("Denver", "CO", "802"), ("Phoenix", "AZ", "850"),
        ("Atlanta", "GA", "303"), ("Miami", "FL", "331"),
        ("Newark", "NJ", "071"), ("Hartford", "CT", "061"),
        ("Philadelphia", "PA", "191"), ("Minneapolis", "MN", "554"),
        ("Detroit", "MI", "482"), ("Nashville", "TN", "372"),
    ),
    "GB": (
        ("London", "ENG", "SW1"), ("London", "ENG", "N1"),
        ("Manchester", "ENG", "M1"), ("Birmingham", "ENG", "B1"),
        ("Leeds", "ENG", "LS1"), ("Bristol", "ENG", "BS1"),
        ("Edinburgh", "SCT", "EH1"), ("Glasgow", "SCT", "G1"),
        ("Cardiff", "WLS", "CF1"), ("Belfast", "NIR", "BT1"),
    ),
    "DE": (
        ("Berlin", "BE", "10"), ("München", "BY", "80"),
        ("Hamburg", "HH", "20"), ("Köln", "NW", "50"),
        ("Frankfurt am Main", "HE", "60"), ("Düsseldorf", "NW", "40"),
        ("Stuttgart", "BW", "70"), ("Leipzig", "SN", "04"),
        ("Nürnberg", "BY", "90"), ("Dresden", "SN", "01"),
    ),
    "FR": (
        ("Paris", "IDF", "75"), ("Lyon", "ARA", "69"),
        ("Marseille", "PAC", "13"), ("Toulouse", "OCC", "31"),
        ("Nice", "PAC", "06"), ("Nantes", "PDL", "44"),
        ("Strasbourg", "GES", "67"), ("Bordeaux", "NAQ", "33"),
        ("Lille", "HDF", "59"), ("Besançon", "BFC", "25"),
    ),
}

# Street name and the way the house number is placed for that country.
STREETS = {
    "US": (
        "Main St", "Oak Ave", "Maple St", "Cedar Ln", "Elm St",
        "Washington Ave", "Lake Dr", "Hill Rd", "Park Ave", "Pine St",
        "Sunset Blvd", "Highland Ave", "Church St", "Broadway",
        "Madison Ave", "Lincoln Way", "Jefferson St", "2nd Ave",
        "Riverside Dr", "Forest Ct",
    ),
    "GB": (
        "High Street", "Station Road", "Church Lane", "Victoria Road",
        "Green Lane", "Manor Road", "Park Road", "Queen's Road",
        "Kings Avenue", "Mill Lane",
    ),
    "DE": (
        "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße",
        "Dorfstraße", "Bergstraße", "Lindenallee", "Goethestraße",
        "Schillerstraße", "Kirchweg", "Am Mühlbach",
    ),
    "FR": (
        "rue de la Paix", "avenue Victor Hugo", "rue du Château",
        "boulevard Saint-Michel", "rue de l'Église", "place de la Mairie",
        "rue Pasteur", "allée des Tilleuls", "chemin du Moulin",
        "rue Émile Zola",
    ),
}

# Area codes / mobile prefixes used to build national phone numbers.
US_AREA_CODES = (
    "212", "718", "617", "312", "213", "415", "510", "619", "206",
    "503", "512", "713", "214", "303", "602", "404", "305", "973",
    "860", "215", "612", "313", "615", "646",
)
GB_MOBILE_PREFIXES = ("7700", "7711", "7812", "7903", "7455")
DE_MOBILE_PREFIXES = ("151", "152", "160", "170", "176")
FR_MOBILE_PREFIXES = ("6", "7")

COUNTRY_CALLING_CODES = {"US": "1", "GB": "44", "DE": "49", "FR": "33"}
LOCALES = {"US": "en-US", "GB": "en-GB", "DE": "de-DE", "FR": "fr-FR"}
TIME_ZONES = {
    "US": "America/New_York",
    "GB": "Europe/London",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
}

PRIVATE_DOMAINS = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"),
    "GB": ("gmail.com", "btinternet.com", "hotmail.co.uk", "outlook.com"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net"),
}
WORK_DOMAINS = (
    "acme.com", "globex.com", "initech.com", "umbrella-corp.com",
    "hooli.com", "soylent.co", "vandelay.com", "stark-industries.com",
    "wayne-enterprises.com", "wonka.co.uk", "siemens-example.de",
    "exemple-sa.fr",
)
