library(dplyr)

uptake <- read.csv("output/dataset.csv") |>
  group_by(week) |>
  summarise(vaccinated = sum(vaccinated))
