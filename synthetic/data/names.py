"""First names, nicknames and last names per country: the head of each
country's name pool (`name_pool.py`), so the commonest names are these.

Each first name carries the nickname a person may use in some sources; an
empty nickname means the name has no common short form.
"""

# (first name, nickname) pairs, mixed genders, per country.
FIRST_NAMES = {
    "US": (
        ("Robert", "Bob"), ("William", "Bill"), ("James", "Jim"),
        ("Richard", "Rick"), ("Michael", "Mike"), ("Thomas", "Tom"),
        ("Christopher", "Chris"), ("Daniel", "Dan"), ("Matthew", "Matt"),
        ("Anthony", "Tony"), ("Joseph", "Joe"), ("David", "Dave"),
        ("Steven", "Steve"), ("Andrew", "Andy"), ("Joshua", "Josh"),
        ("Kevin", ""), ("Brian", ""), ("Jason", ""), ("Ryan", ""),
        ("José", "Pepe"), ("Luis", ""), ("Carlos", ""), ("Juan", ""),
        ("Katherine", "Kate"), ("Elizabeth", "Liz"), ("Jennifer", "Jen"),
        ("Margaret", "Peggy"), ("Patricia", "Pat"), ("Susan", "Sue"),
        ("Jessica", "Jess"), ("Deborah", "Debbie"), ("Samantha", "Sam"),
        ("Rebecca", "Becky"), ("Victoria", "Vicky"), ("Alexandra", "Alex"),
        ("Mary", ""), ("Linda", ""), ("Sarah", ""), ("Karen", ""),
        ("Nancy", ""), ("Emily", ""), ("Ashley", ""), ("Michelle", ""),
        ("Zoë", "Zoe"), ("María", ""), ("Chloé", ""), ("Renée", ""),
        ("Aaliyah", ""), ("Mei", ""), ("Priya", ""), ("Olivia", "Liv"),
    ),
    "GB": (
        ("Oliver", "Ollie"), ("George", ""), ("Harry", ""), ("Jack", ""),
        ("Charles", "Charlie"), ("Edward", "Ted"), ("Henry", "Harry"),
        ("Alfie", ""), ("Nicholas", "Nick"), ("Benjamin", "Ben"),
        ("Amelia", "Millie"), ("Isla", ""), ("Sophie", ""), ("Emily", ""),
        ("Charlotte", "Lottie"), ("Eleanor", "Ellie"), ("Zoë", "Zoe"),
        ("Siobhán", ""), ("Niamh", ""), ("Rebecca", "Becky"),
    ),
    "DE": (
        ("Lukas", ""), ("Jürgen", ""), ("Maximilian", "Max"),
        ("Johannes", "Hannes"), ("Wolfgang", "Wolf"), ("Jörg", ""),
        ("Łukasz", ""), ("Stefan", ""), ("Matthias", "Matze"),
        ("Katharina", "Kathi"), ("Anna", ""), ("Jülide", ""),
        ("Susanne", "Susi"), ("Franziska", "Franzi"), ("Käthe", ""),
        ("Elisabeth", "Lisa"), ("Zoë", "Zoe"), ("Sören", ""),
    ),
    "FR": (
        ("François", ""), ("Jean", ""), ("Jérôme", ""), ("Étienne", ""),
        ("Guillaume", ""), ("Thomas", "Tom"), ("Frédéric", "Fred"),
        ("Hélène", ""), ("Céline", ""), ("Chloé", ""), ("Amélie", ""),
        ("Élodie", ""), ("Margaux", ""), ("Noémie", ""), ("Agnès", ""),
        ("Benoît", ""), ("Zoë", "Zoe"), ("Léa", ""),
    ),
}

LAST_NAMES = {
    "US": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
        "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez",
        "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson",
        "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
        "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
        "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
        "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
        "Núñez", "Peña", "O'Brien", "McDonald", "Van der Berg", "Kowalski",
        "Patel", "Kim", "Chen", "Müller", "Schmidt", "Sánchez", "Ramírez",
    ),
    "GB": (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson",
        "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson",
        "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "O'Connor", "McAllister", "Ní Bhriain", "Hughes",
    ),
    "DE": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
        "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer", "Koch",
        "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Zimmermann", "Krüger", "Hofmann", "Lewandowski",
        "von Bülow", "Groß", "Weiß",
    ),
    "FR": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard",
        "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
        "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Girard", "Lefebvre", "Mercier", "Dupré",
        "Benoît", "Châtelain",
    ),
}
