from klantwijs import create_app

app = create_app()
