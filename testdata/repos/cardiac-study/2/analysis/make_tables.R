library(dplyr)
library(readr)

dataset <- read_csv("output/dataset.csv.gz")

counts <- dataset |>
  group_by(region, week) |>
  summarise(events = sum(had_event), population = n())

write_csv(counts, "output/tables/counts_by_region.csv")

# Round every count to the nearest 5 before writing.
counts$events <- round(counts$events / 5) * 5
