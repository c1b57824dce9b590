from fastapi import FastAPI

from app.routes import router

app = FastAPI(
    title="Notes API",
    version="1.2.0",
    description="Write down, list and delete short notes.",
)
app.include_router(router)


@app.get("/", tags=["meta"])
def index() -> dict[str, str]:
    return {"service": "notes-api"}
