"""Builds carbon-intensity.csv from the data files of the codecarbon 3.3.2 wheel (MIT).

Run from a folder where `codecarbon-3.3.2-py3-none-any.whl` and pycountry are unpacked:
    python build_carbon_table.py > carbon-intensity.csv

Upstream sources, named per row:
- countries: Our World in Data "carbon-intensity-electricity" (Ember data, CC BY 4.0),
  lifecycle gCO2e/kWh, the year given per country (codecarbon's global_energy_mix.json);
- US states: EPA eGRID2023, annual CO2e total output emission rate (public domain),
  converted from lb/MWh to g/kWh (x 0.45359237);
- Google Cloud regions: Google's published grid carbon intensity per region
  (https://cloud.google.com/sustainability/region-carbon), as in codecarbon's impact.csv;
- AWS and Azure regions: the value of the US state or country that hosts the region
  (the providers publish no per-region grid figure); the row says which;
- WORLD: IEA Global Energy & CO2 Status Report 2019 world average, 475 g/kWh.
"""
import csv
import json
import sys

import pycountry

mix = json.load(open("codecarbon/data/private_infra/global_energy_mix.json"))
states = json.load(open("codecarbon/data/private_infra/2023/usa_emissions.json"))
LB_PER_MWH_TO_G_PER_KWH = 0.45359237

rows = [("WORLD", "", "World average (named default)", 475.0, 2019,
         "IEA Global Energy & CO2 Status Report 2019 (https://www.iea.org/reports/global-energy-co2-status-report-2019/emissions)")]
country_value = {}
for iso3, entry in sorted(mix.items()):
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None or entry.get("carbon_intensity") is None:
        continue
    value = round(float(entry["carbon_intensity"]), 1)
    country_value[country.alpha_2] = (value, entry["year"], entry["country_name"])
    rows.append((country.alpha_2, iso3, entry["country_name"], value, entry["year"],
                 "Our World in Data carbon-intensity-electricity (Ember, CC BY 4.0), lifecycle"))
state_value = {}
for name, entry in sorted(states.items()):
    if name.startswith("_"):
        continue
    code = "US-" + entry["regionCode"]
    value = round(entry["emissions"] * LB_PER_MWH_TO_G_PER_KWH, 1)
    state_value[code] = (value, name.replace("_", " ").title())
    rows.append((code, "", name.replace("_", " ").title() + " (US state)", value, 2023,
                 "EPA eGRID2023 STC2ERTA (public domain), lb/MWh x 0.45359237"))
with open("codecarbon/data/cloud/impact.csv", encoding="utf-8-sig") as f:
    for entry in csv.DictReader(f):
        rows.append(("gcp:" + entry["region"], "", f"Google Cloud {entry['region']} ({entry['city']}, {entry['country_name']})",
                     float(entry["impact"]), "",
                     "Google Cloud region carbon data (https://cloud.google.com/sustainability/region-carbon), via codecarbon 3.3.2"))
HOSTS = {
    "aws:us-east-1": "US-VA", "aws:us-east-2": "US-OH", "aws:us-west-1": "US-CA", "aws:us-west-2": "US-OR",
    "aws:ca-central-1": "CA", "aws:eu-west-1": "IE", "aws:eu-west-2": "GB", "aws:eu-west-3": "FR",
    "aws:eu-central-1": "DE", "aws:eu-north-1": "SE", "aws:ap-northeast-1": "JP", "aws:ap-southeast-1": "SG",
    "aws:ap-southeast-2": "AU", "aws:ap-south-1": "IN", "aws:sa-east-1": "BR",
    "azure:eastus": "US-VA", "azure:eastus2": "US-VA", "azure:centralus": "US-IA", "azure:westus2": "US-WA",
    "azure:westus3": "US-AZ", "azure:northeurope": "IE", "azure:westeurope": "NL", "azure:uksouth": "GB",
    "azure:francecentral": "FR", "azure:germanywestcentral": "DE", "azure:swedencentral": "SE",
    "azure:japaneast": "JP", "azure:southeastasia": "SG", "azure:centralindia": "IN", "azure:australiaeast": "AU",
}
for region, host in HOSTS.items():
    if host.startswith("US-"):
        value, name = state_value[host]
        year, source = 2023, f"value of {name} ({host}), EPA eGRID2023: the provider publishes no per-region grid figure"
    else:
        value, year, name = country_value[host]
        source = f"value of {name} ({host}), OWID/Ember: the provider publishes no per-region grid figure"
    rows.append((region, "", f"{region} (hosted in {name})", value, year, source))

writer = csv.writer(sys.stdout, lineterminator="\n")
writer.writerow(["code", "iso3", "name", "g_co2e_per_kwh", "year", "source"])
writer.writerows(rows)
