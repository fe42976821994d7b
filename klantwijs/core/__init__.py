"""Infrastructure shared by every area: database, extensions, security, errors, mail, Dutch
formatting, templating and the base form. Imports nothing from the areas."""
