* Cox model of time to first cardiac event.
use "output/dataset.dta", clear
stset follow_up_days, failure(had_event)
stcox age i.region
estimates store main
