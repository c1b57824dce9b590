from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Groceries"])
    body: str = Field(default="", max_length=10_000, examples=["Milk, eggs, coffee"])


class NoteOut(NoteIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
