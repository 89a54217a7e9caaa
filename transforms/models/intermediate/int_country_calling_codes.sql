{#
    Reference data for writing phone numbers in E.164: each country's
    calling code and national trunk prefix (the digit dialled before a
    national number and dropped in E.164; null where there is none, as in
    Italy). Add a row when a store sells to a new country. Kept as a model
    rather than a seed so that it builds with the intermediate layer, which
    the orchestration selects by folder.
#}
with

country_calling_codes as (

    select
        country_code,
        country_name,
        calling_code,
        trunk_prefix

    from (
        values
        ('US', 'united states', '1', '1'),
        ('CA', 'canada', '1', '1'),
        ('GB', 'united kingdom', '44', '0'),
        ('IE', 'ireland', '353', '0'),
        ('DE', 'germany', '49', '0'),
        ('AT', 'austria', '43', '0'),
        ('CH', 'switzerland', '41', '0'),
        ('FR', 'france', '33', '0'),
        ('BE', 'belgium', '32', '0'),
        ('NL', 'netherlands', '31', '0'),
        ('LU', 'luxembourg', '352', null),
        ('ES', 'spain', '34', null),
        ('PT', 'portugal', '351', null),
        ('IT', 'italy', '39', null),
        ('DK', 'denmark', '45', null),
        ('SE', 'sweden', '46', '0'),
        ('NO', 'norway', '47', null),
        ('FI', 'finland', '358', '0'),
        ('PL', 'poland', '48', null),
        ('CZ', 'czechia', '420', null),
        ('AU', 'australia', '61', '0'),
        ('NZ', 'new zealand', '64', '0'),
        ('MX', 'mexico', '52', null),
        ('BR', 'brazil', '55', '0'),
        ('JP', 'japan', '81', '0'),
        ('IN', 'india', '91', '0')
    ) as countries (country_code, country_name, calling_code, trunk_prefix)

)

select * from country_calling_codes
