from kundweb import create_app

app = create_app()
