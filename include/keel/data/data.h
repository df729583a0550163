#pragma once
// keel::data in one include: datasets, the DataLoader, transforms and the file readers.
#include "keel/data/csv.h"
#include "keel/data/dataloader.h"
#include "keel/data/dataset.h"
#include "keel/data/mnist.h"
#include "keel/data/transforms.h"
