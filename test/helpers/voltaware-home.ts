/** A home as Voltaware's metadata endpoints take it (the seed's property fields): shared by the simulator and bridge tests. */
export const HOME_PROPERTY = {
  property_type: "HOME",
  home_type: "HOUSE",
  home_usage_type: "PRIMARY",
  home_size: 80,
  bedroom_amount: 2,
  power_generator_source: "NONE",
  people_amount: 3,
  people_amount_in_day_time: 2,
  people: [{ age_range: "ADULT", amount: 2 }, { age_range: "ZERO_TO_FIVE", amount: 1 }],
};
