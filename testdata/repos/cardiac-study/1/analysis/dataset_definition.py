from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import clinical_events, patients

cardiac = codelist_from_csv("codelists/cardiac-events.csv", column="code")

dataset = create_dataset()
dataset.define_population(patients.date_of_birth < "2006-01-01")
dataset.age = patients.age_on("2024-01-01")
dataset.had_event = clinical_events.where(
    clinical_events.snomedct_code.is_in(cardiac)
).exists_for_patient()
