package org.onefold.bench;
