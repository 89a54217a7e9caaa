"""Product catalogue of the synthetic shop: (name, sku, price, vendor)."""

PRODUCTS = (
    ("Classic Cotton T-Shirt - White / M", "TS-CLS-WHT-M", 19.00, "Northwind"),
    ("Classic Cotton T-Shirt - Black / L", "TS-CLS-BLK-L", 19.00, "Northwind"),
    ("Merino Crew Sweater - Navy / M", "SW-MER-NVY-M", 89.00, "Northwind"),
    ("Slim Chino - Khaki / 32", "CH-SLM-KHK-32", 59.50, "Northwind"),
    ("Rain Shell Jacket - Olive / L", "JK-RSH-OLV-L", 149.00, "Fjällstrom"),
    ("Down Vest - Black / S", "VS-DWN-BLK-S", 119.00, "Fjällstrom"),
    ("Trail Runner Shoe - Grey / 42", "SH-TRL-GRY-42", 129.95, "Stride"),
    ("Everyday Sneaker - White / 39", "SH-EVD-WHT-39", 79.95, "Stride"),
    ("Wool Socks 3-Pack", "SO-WOL-3PK", 24.00, "Stride"),
    ("Canvas Tote Bag", "BG-CNV-TOTE", 29.00, "Carry Co"),
    ("Leather Weekender", "BG-LTH-WKND", 249.00, "Carry Co"),
    ("Laptop Sleeve 14\"", "BG-SLV-14", 39.00, "Carry Co"),
    ("Ceramic Pour-Over Set", "HM-CER-POUR", 45.00, "Maison Lumière"),
    ("Linen Napkins (Set of 4)", "HM-LIN-NAP4", 32.00, "Maison Lumière"),
    ("Scented Candle - Fig & Cassis", "HM-CND-FIG", 28.00, "Maison Lumière"),
    ("Cast Iron Skillet 10\"", "HM-CIS-10", 54.99, "Hearthware"),
    ("Chef's Knife 8\"", "HM-KNF-8", 89.99, "Hearthware"),
    ("Organic Coffee Beans 1 kg", "FD-COF-1KG", 34.50, "Bean & Co"),
    ("Matcha Tin 100 g", "FD-MAT-100", 22.00, "Bean & Co"),
    ("Dark Chocolate Bar 85%", "FD-CHO-85", 4.50, "Bean & Co"),
    ("Yoga Mat - Sage", "SP-YOG-SAGE", 68.00, "Flowform"),
    ("Resistance Bands Set", "SP-RES-SET", 25.00, "Flowform"),
    ("Water Bottle 750 ml", "SP-BTL-750", 18.00, "Flowform"),
    ("Gift Card $50", "GC-50", 50.00, "Northwind"),
)

DISCOUNT_CODES = (("WELCOME10", 0.10), ("SUMMER15", 0.15), ("VIP20", 0.20))
